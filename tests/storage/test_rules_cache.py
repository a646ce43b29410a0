"""The opening rules are cached, yet never stale for a change made in this process."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import insert

from admin import hours
from storage.db import Database
from storage.errors import SlotUnavailable
from storage.models import BookingRules, ClosedDay
from storage.rules import closed_days, load_rules
from storage.slots import free_slots


def test_a_committed_change_is_seen_at_once(db: Database) -> None:
    with db.session() as session:
        assert load_rules(session).slot_minutes == 60  # now cached
    returned = hours.set_hours(db, days=[0], spans=[(time(10), time(12))], slot_minutes=30)
    assert returned.slot_minutes == 30
    assert returned.hours[0] == ((time(10), time(12)),)
    with db.session() as session:
        assert load_rules(session).slot_minutes == 30
        assert load_rules(session).hours[0] == ((time(10), time(12)),)


def test_a_transaction_reads_its_own_change(db: Database) -> None:
    with db.session() as session:
        assert load_rules(session).places_per_slot == 1  # now cached
        rules = session.get(BookingRules, 1)
        assert rules is not None
        rules.places_per_slot = 3
        session.add(rules)
        session.flush()
        assert load_rules(session).places_per_slot == 3
        session.rollback()
    with db.session() as session:
        assert load_rules(session).places_per_slot == 1


def test_closed_days_are_cached_but_the_booking_reads_them_live(db: Database) -> None:
    """Another process (`cop-admin close`) closes a day: lists may lag up to the cache's
    5 s, the booking itself never books the closed day."""
    from tests.storage.test_booking import NOW, TUE_10, TZ, book

    with db.session() as session:
        assert free_slots(session, TZ, TUE_10.astimezone(TZ).date(), NOW)  # cached: open
    # Written past the ORM, as another process would: this process's cache is not told.
    with db.engine.begin() as connection:
        connection.execute(
            insert(ClosedDay.__table__).values(day=date(2026, 11, 24), reason="Ремонт")  # type: ignore[attr-defined]
        )
    with pytest.raises(SlotUnavailable):
        book(db, TUE_10)


def test_a_day_closed_here_is_not_offered_at_once(db: Database) -> None:
    from tests.storage.test_booking import NOW, TUE_10, TZ

    day = TUE_10.astimezone(TZ).date()
    with db.session() as session:
        assert free_slots(session, TZ, day, NOW)
    hours.close_day_cli(db, day, "Ремонт", TZ)
    with db.session() as session:
        assert free_slots(session, TZ, day, NOW) == []
        assert closed_days(session, day, day) == {day: "Ремонт"}
