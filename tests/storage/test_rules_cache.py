"""The opening rules are cached, yet never stale for a change made in this process."""

from __future__ import annotations

from datetime import time

from admin import hours
from storage.db import Database
from storage.models import BookingRules
from storage.rules import load_rules


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
