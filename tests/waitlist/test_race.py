"""Races on both engines, from threads with an engine each (like separate bot processes).

Never two bookings in one place, never one place held for two people, never one person
holding two places.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import select

from admin import waitlist
from bot.services import Services
from storage import booking
from storage.db import Database
from storage.errors import OfferGone, SlotTaken
from storage.models import HoldState, WaitlistHold
from storage.waitlist import HOLD
from tests.waitlist.conftest import (
    BOOKER,
    ELEVEN,
    FIRST,
    OTHER_BOOKER,
    SECOND,
    TEN,
    TUE,
    active_at,
    book,
    held,
    hold_id_of,
    join,
)


def _race(db_url: str, svc: Services, *jobs: Callable[[Services], Any]) -> list[Any]:
    """Run each job in its own thread with its own engine, all released at once."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[Services], Any]) -> None:
        own = Services(settings=svc.settings, content=svc.content, db=Database(db_url))
        try:
            barrier.wait()
            results[index] = job(own)
        except Exception as exc:
            results[index] = exc
        finally:
            own.db.dispose()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _cancel(user: int, start: Any) -> Callable[[Services], Any]:
    def job(svc: Services) -> Any:
        mine = booking.future_for_parent(svc.db, telegram_user_id=user, now=svc.now())
        target = next(a for a in mine if a.start == start)
        assert target.id is not None
        return booking.cancel_by_parent(
            svc.db, telegram_user_id=user, appointment_id=target.id, now=svc.now(),
            policy=svc.reminder_policy,
        )  # fmt: skip

    return job


def _no_place_twice(svc: Services) -> None:
    rows = held(svc)
    people = [user for user, _start, _state in rows]
    assert len(people) == len(set(people)), rows  # one place per person
    for start in (TEN, ELEVEN):
        places = active_at(svc, start) + sum(1 for _u, s, _st in rows if s == start)
        assert places <= 1, (start, rows)


def test_two_places_free_at_once_with_two_people_waiting(full: Services, db_url: str) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    results = _race(db_url, svc, _cancel(BOOKER, TEN), _cancel(OTHER_BOOKER, ELEVEN))
    assert not [r for r in results if isinstance(r, Exception)], results
    waitlist.run_round(svc)  # a place whose lock was busy is offered by the job
    _no_place_twice(svc)
    assert sorted(u for u, _s, _st in held(svc)) == [FIRST, SECOND]
    assert sorted(s for _u, s, _st in held(svc)) == [TEN, ELEVEN]


def test_a_freed_place_and_people_booking_it_at_once(full: Services, db_url: str) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])

    def grab(user: int) -> Callable[[Services], Any]:
        def job(own: Services) -> Any:
            return book(own, user, TEN)

        return job

    results = _race(db_url, svc, _cancel(BOOKER, TEN), *(grab(5000 + i) for i in range(6)))
    assert [r for r in results if isinstance(r, Exception) and not isinstance(r, SlotTaken)] == []
    _no_place_twice(svc)
    # A booker may have held the slot's lock as the place freed: then the job offers it.
    waitlist.run_round(svc)
    _no_place_twice(svc)
    assert active_at(svc, TEN) + len(held(svc)) == 1


def test_a_hold_expiring_while_it_is_being_taken(full: Services, db_url: str, clock: Any) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    _cancel(BOOKER, TEN)(svc)
    hold_id = hold_id_of(svc, FIRST)
    clock.shift(HOLD - timedelta(seconds=1))  # the taker is just in time …
    late = svc.now() + timedelta(seconds=2)  # … the job already sees it run out

    def take(own: Services) -> Any:
        return waitlist.take(
            own, telegram_user_id=FIRST, chat_id=FIRST, hold_id=hold_id, language_code="bg"
        )

    def expire(own: Services) -> Any:
        return waitlist.expire_due(own, late)

    took, expired = _race(db_url, svc, take, expire)
    _no_place_twice(svc)
    with svc.db.read() as session:
        state = session.get(WaitlistHold, hold_id)
        assert state is not None
    if isinstance(took, OfferGone):  # the job was first: the next person has the place
        assert expired.expired == [hold_id] and state.state == HoldState.expired
        assert held(svc) == [(SECOND, TEN, HoldState.held)] and active_at(svc, TEN) == 0
    else:  # the taker was first: booked, nothing expired
        assert not isinstance(took, Exception), took
        assert expired.expired == [] and state.state == HoldState.taken
        assert held(svc) == [] and active_at(svc, TEN) == 1


def test_two_taps_and_a_decline_at_once(full: Services, db_url: str) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    _cancel(BOOKER, TEN)(svc)
    hold_id = hold_id_of(svc, FIRST)

    def take(own: Services) -> Any:
        return waitlist.take(
            own, telegram_user_id=FIRST, chat_id=FIRST, hold_id=hold_id, language_code="bg"
        )

    def decline(own: Services) -> Any:
        return waitlist.decline(own, telegram_user_id=FIRST, hold_id=hold_id)

    results = _race(db_url, svc, take, take, decline)
    gone = [r for r in results if isinstance(r, OfferGone)]
    assert len(gone) == 2, results  # exactly one of the three acted
    _no_place_twice(svc)
    assert active_at(svc, TEN) + len(held(svc)) == 1
    with svc.db.read() as session:
        assert len(session.exec(select(WaitlistHold)).all()) in (1, 2)
