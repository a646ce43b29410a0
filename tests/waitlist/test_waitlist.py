"""The waiting list on a fixed clock: who gets a freed place, holds, expiry, quiet hours."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from sqlmodel import select

from admin import appointments as staff_actions
from admin import hours, waitlist
from admin.staff import add as add_staff
from bot.services import Services
from storage import booking, parents, slots
from storage import waitlist as repo
from storage.errors import NoConsent, NotAllowed, OfferGone, SlotTaken
from storage.models import HoldState, PartOfDay, StaffRole, WaitlistHold
from storage.waitlist import HOLD
from tests.waitlist.conftest import (
    BOOKER,
    ELEVEN,
    FIRST,
    NOW,
    OTHER_BOOKER,
    SECOND,
    TEN,
    THIRD,
    TUE,
    WED,
    active_at,
    at,
    book,
    consenting_parent,
    held,
    hold_id_of,
    holds,
    join,
    on_list,
    sent,
)


def cancel(svc: Services, user: int, start: Any) -> None:
    mine = booking.future_for_parent(svc.db, telegram_user_id=user, now=svc.now())
    target = next(a for a in mine if a.start == start)
    assert target.id is not None
    booking.cancel_by_parent(
        svc.db,
        telegram_user_id=user,
        appointment_id=target.id,
        now=svc.now(),
        policy=svc.reminder_policy,
    )


def test_offer_on_cancellation_reaches_the_first_suitable_person(full: Services) -> None:
    svc = full
    join(svc, FIRST, [WED])  # does not suit: Tuesday
    join(svc, SECOND, [TUE], PartOfDay.afternoon)  # does not suit: 10:00 is morning
    join(svc, THIRD, [TUE], PartOfDay.morning)
    assert held(svc) == []
    cancel(svc, BOOKER, TEN)
    assert held(svc) == [(THIRD, TEN, HoldState.held)]
    # The offer is an outbox row of the cancellation's own transaction, due now.
    [(chat, due, state, text)] = sent(svc, "waitlist_offer")
    assert (chat, due, state) == (THIRD, svc.now(), "pending") and "10:00" in text
    # Held: nobody else sees or books it.
    with svc.db.read() as session:
        assert slots.free_slots(session, svc.settings.tz, TEN.date(), svc.now()) == []
    with pytest.raises(SlotTaken):
        book(svc, 4444, TEN)


def test_taking_the_offer_makes_a_pending_booking_and_leaves_the_list(full: Services) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    cancel(svc, BOOKER, TEN)
    hold = hold_id_of(svc, FIRST)
    appointment = waitlist.take(
        svc, telegram_user_id=FIRST, chat_id=FIRST, hold_id=hold, language_code="bg"
    )
    assert appointment.status == "pending" and appointment.start == TEN
    assert on_list(svc) == [] and active_at(svc, TEN) == 1
    assert holds(svc) == [(None, TEN, HoldState.taken)]
    with pytest.raises(OfferGone):  # a second tap
        waitlist.take(svc, telegram_user_id=FIRST, chat_id=FIRST, hold_id=hold, language_code="bg")


def test_the_hold_expires_and_passes_on(full: Services, clock: Any) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    cancel(svc, BOOKER, TEN)
    first_hold = hold_id_of(svc, FIRST)
    clock.shift(HOLD - timedelta(seconds=1))
    assert waitlist.run_round(svc).expired == []
    clock.shift(timedelta(seconds=1))
    done = waitlist.run_round(svc)
    assert done.expired == [first_hold]
    assert held(svc) == [(SECOND, TEN, HoldState.held)]
    assert [row[0] for row in sent(svc, "waitlist_expired")] == [FIRST]
    assert [row[0] for row in sent(svc, "waitlist_offer")] == [FIRST, SECOND]
    assert on_list(svc) == [FIRST, SECOND]  # the first stays on the list
    with pytest.raises(OfferGone):
        waitlist.take(
            svc, telegram_user_id=FIRST, chat_id=FIRST, hold_id=first_hold, language_code="bg"
        )
    # Nobody else is left to offer it to: after the second hold, the place is free for all.
    clock.shift(HOLD)
    waitlist.run_round(svc)
    assert held(svc) == []
    with svc.db.read() as session:
        assert [
            s.start for s in slots.free_slots(session, svc.settings.tz, TEN.date(), svc.now())
        ] == [TEN]


def test_a_decline_passes_on(full: Services) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    cancel(svc, BOOKER, TEN)
    passed = waitlist.decline(svc, telegram_user_id=FIRST, hold_id=hold_id_of(svc, FIRST))
    assert [p.telegram_user_id for p in passed] == [SECOND]
    assert held(svc) == [(SECOND, TEN, HoldState.held)]
    assert (FIRST, TEN, HoldState.declined) in holds(svc)


def test_somebody_elses_offer_cannot_be_taken(full: Services) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    consenting_parent(svc, 4444)
    cancel(svc, BOOKER, TEN)
    with pytest.raises(NotAllowed):
        waitlist.take(
            svc, telegram_user_id=4444, chat_id=4444, hold_id=hold_id_of(svc, FIRST),
            language_code="bg",
        )  # fmt: skip


def test_quiet_hours_delay_the_offer_and_the_hold_starts_in_the_morning(
    full: Services, clock: Any
) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    clock.move_to(at(23, 22, 30))  # Monday 22:30: quiet (21:00–08:00)
    cancel(svc, OTHER_BOOKER, ELEVEN)
    with svc.db.read() as session:
        hold = session.exec(select(WaitlistHold)).one()
    assert hold.offered_at == at(24, 8, 0) and hold.hold_until == at(24, 8, 30)
    [(chat, due, _state, _text)] = sent(svc, "waitlist_offer")
    assert (chat, due) == (FIRST, at(24, 8, 0))  # the message waits for the morning too
    clock.move_to(at(24, 8, 10))  # more than 30 minutes after the place freed
    assert waitlist.run_round(svc).expired == []
    assert held(svc) == [(FIRST, ELEVEN, HoldState.held)]
    clock.move_to(at(24, 8, 30))
    waitlist.run_round(svc)
    assert held(svc) == [(SECOND, ELEVEN, HoldState.held)]
    clock.move_to(at(24, 9, 0))
    waitlist.run_round(svc)
    # 09:00 + 30 min + 2 h lead is past 11:00: too late to hold it again; free for all.
    assert held(svc) == []


def test_a_place_too_close_to_hold_is_not_offered(full: Services, clock: Any) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    clock.move_to(at(23, 22, 30))
    cancel(svc, BOOKER, TEN)  # 08:00 + 30 min + 2 h lead is past 10:00
    assert held(svc) == []


def test_the_list_ends_at_the_horizon(full: Services, clock: Any) -> None:
    svc = full
    join(svc, FIRST, [WED])
    clock.shift(timedelta(days=2) - timedelta(minutes=1))
    assert waitlist.run_round(svc).ended == []
    clock.shift(timedelta(minutes=1))
    assert len(waitlist.run_round(svc).ended) == 1
    assert on_list(svc) == []
    [(chat, _due, _state, text)] = sent(svc, "waitlist_ended")
    assert chat == FIRST and "0373 9 10 76" in text


def test_forget_takes_the_person_off_the_list_and_passes_their_place_on(full: Services) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    cancel(svc, BOOKER, TEN)
    parents.forget(
        svc.db, telegram_user_id=FIRST, chat_id=FIRST, now=svc.now(), policy=svc.reminder_policy
    )
    assert on_list(svc) == [SECOND]
    assert held(svc) == [(SECOND, TEN, HoldState.held)]


def test_leaving_the_list_passes_the_held_place_on(full: Services) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    cancel(svc, BOOKER, TEN)
    assert waitlist.leave(svc, telegram_user_id=FIRST) is True
    assert waitlist.leave(svc, telegram_user_id=FIRST) is False
    assert held(svc) == [(SECOND, TEN, HoldState.held)]
    # FIRST's offer had not gone out yet (no dispatcher here): it is withdrawn.
    assert [(r[0], r[2]) for r in sent(svc, "waitlist_offer")] == [
        (FIRST, "withdrawn"),
        (SECOND, "pending"),
    ]


def test_booking_elsewhere_leaves_the_list(full: Services) -> None:
    svc = full
    join(svc, FIRST, [WED])
    cancel(svc, BOOKER, TEN)  # does not suit FIRST: free for all
    book(svc, FIRST, TEN)
    assert on_list(svc) == []


def test_joining_needs_consent_and_keeps_ones_place(full: Services, clock: Any) -> None:
    svc = full
    with pytest.raises(NoConsent):
        waitlist.join(
            svc, telegram_user_id=FIRST, chat_id=FIRST, topic="consulting", weekdays=[TUE],
            part_of_day=PartOfDay.any,
        )  # fmt: skip
    join(svc, FIRST, [WED])
    join(svc, SECOND, [TUE])
    clock.shift(timedelta(minutes=5))
    waitlist.join(
        svc, telegram_user_id=FIRST, chat_id=FIRST, topic="consulting", weekdays=[TUE],
        part_of_day=PartOfDay.any,
    )  # fmt: skip
    assert on_list(svc) == [FIRST, SECOND]  # one entry each, first still first
    cancel(svc, BOOKER, TEN)
    assert held(svc) == [(FIRST, TEN, HoldState.held)]


def test_staff_decline_and_move_free_places_for_the_list(full: Services) -> None:
    svc = full
    add_staff(svc.db, telegram_user_id=501, name="Ива", role=StaffRole.admin)
    join(svc, FIRST, [TUE])
    join(svc, SECOND, [TUE])
    mine = booking.future_for_parent(svc.db, telegram_user_id=BOOKER, now=svc.now())
    assert mine[0].id is not None
    staff_actions.decline(svc, appointment_id=mine[0].id, staff_user_id=501, reason=None)
    assert held(svc) == [(FIRST, TEN, HoldState.held)]
    # The other booker cancels too: the second place goes to the second person.
    cancel(svc, OTHER_BOOKER, ELEVEN)
    assert sorted(held(svc)) == [(FIRST, TEN, "held"), (SECOND, ELEVEN, "held")]


def test_a_day_opened_again_is_offered(full: Services) -> None:
    svc = full
    add_staff(svc.db, telegram_user_id=501, name="Ива", role=StaffRole.admin)
    hours.set_hours(
        svc.db,
        days=[WED],
        spans=[
            (TEN.astimezone(svc.settings.tz).time(), ELEVEN.astimezone(svc.settings.tz).time())
        ],
    )
    hours.close_day(svc, staff_user_id=501, day=at(25, 10).date(), reason=None)
    join(svc, FIRST, [WED])
    assert held(svc) == []
    assert hours.open_day(svc, staff_user_id=501, day=at(25, 10).date()) is True
    assert held(svc) == [(FIRST, at(25, 10), HoldState.held)]


def test_offer_text(full: Services) -> None:
    svc = full
    join(svc, FIRST, [TUE])
    with svc.db.session() as session:
        made = repo.on_place_freed(session, TEN, now=svc.now(), policy=svc.reminder_policy)
        assert made == []  # the place is not free: nothing to offer
    cancel(svc, BOOKER, TEN)
    with svc.db.read() as session:
        view = repo.hold_view(session, session.exec(select(WaitlistHold)).one())
    notice = repo.offer_notice(view, svc.reminder_policy)
    assert "утре, вторник, 24 ноември, 10:00 ч." in notice.text
    assert "08:30" in notice.text
    assert [b[1] for row in notice.buttons for b in row] == [
        f"wl:take:{view.id}",
        f"wl:no:{view.id}",
    ]
    assert NOW  # the clock is fixed


def test_whoever_gives_a_place_up_is_not_offered_it_back(full: Services) -> None:
    svc = full
    join(svc, BOOKER, [TUE])  # booked 10:00 and also waits for another Tuesday time
    join(svc, FIRST, [TUE])
    cancel(svc, BOOKER, TEN)
    assert held(svc) == [(FIRST, TEN, HoldState.held)]


def test_forget_offers_nothing_to_the_person_who_forgets(full: Services) -> None:
    svc = full
    join(svc, BOOKER, [TUE])
    join(svc, FIRST, [TUE])
    parents.forget(
        svc.db, telegram_user_id=BOOKER, chat_id=BOOKER, now=svc.now(), policy=svc.reminder_policy
    )
    assert on_list(svc) == [FIRST]
    assert holds(svc) == [(FIRST, TEN, HoldState.held)]


def test_the_horizon_message_is_kind_and_gives_the_phone(svc: Services) -> None:
    notice = waitlist.horizon_notice(FIRST, "bg", svc.content, 21, svc.now())
    assert "21 дни" in notice.text and "0373 9 10 76" in notice.text
    assert notice.buttons == [[("📅 Запазете час", "book:start")]]
    english = waitlist.horizon_notice(FIRST, "en", svc.content, 21, svc.now())
    assert "0373 9 10 76" in english.text and "waiting list" in english.text


def test_wider_hours_are_offered(full: Services) -> None:
    svc = full
    join(svc, FIRST, [TUE], PartOfDay.afternoon)
    # From the shell (no policy): the bot's job offers the new place on its next round.
    hours.set_hours(svc.db, days=[TUE], spans=[(time(10), time(12)), (time(14), time(15))])
    assert held(svc) == []
    waitlist.run_round(svc)
    assert held(svc) == [(FIRST, at(24, 14), HoldState.held)]


def test_wider_hours_with_the_policy_are_offered_at_once(full: Services) -> None:
    svc = full
    join(svc, FIRST, [TUE], PartOfDay.afternoon)
    hours.set_hours(
        svc.db, days=[TUE], spans=[(time(10), time(12)), (time(14), time(15))],
        policy=svc.reminder_policy,
    )  # fmt: skip
    assert held(svc) == [(FIRST, at(24, 14), HoldState.held)]
