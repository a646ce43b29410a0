"""Retention on a fixed clock: old appointments anonymised, recent untouched, counts kept."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import select

from admin.retention import anonymise_old
from storage.db import Database
from storage.models import Appointment, AuditEntry, Parent, PersistedState

NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
OLD = NOW - timedelta(days=400)
RECENT = NOW - timedelta(days=10)


def add_parent(db: Database, user_id: int, *, created: datetime) -> int:
    with db.session() as session:
        parent = Parent(
            telegram_user_id=user_id,
            chat_id=user_id,
            display_name="Мария Иванова",
            phone="+359888123456",
            created_at=created,
            updated_at=created,
        )
        session.add(parent)
        session.flush()
        assert parent.id is not None
        return parent.id


def add_appointment(
    db: Database, parent_id: int, start: datetime, status: str, topic: str = "consulting"
) -> int:
    with db.session() as session:
        appointment = Appointment(
            parent_id=parent_id,
            topic=topic,
            note="детето не спи",
            staff_note="говорихме по телефона",
            cancel_reason="болест" if status.startswith("cancelled") else None,
            request_key=f"k{parent_id}-{start.timestamp()}",
            start=start,
            end=start + timedelta(hours=1),
            status=status,
        )
        session.add(appointment)
        session.flush()
        assert appointment.id is not None
        session.add(
            AuditEntry(
                appointment_id=appointment.id, actor="parent", action="status", detail="болест"
            )
        )
        return appointment.id


def statistics(db: Database) -> Counter[tuple[str, str, str]]:
    """What monthly reporting counts: status, topic, date."""
    with db.session() as session:
        return Counter(
            (a.status, a.topic, a.start.date().isoformat())
            for a in session.exec(select(Appointment))
        )


def test_retention(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    gone = add_parent(db, 111, created=OLD - timedelta(days=5))  # only old appointments
    mixed = add_parent(db, 222, created=OLD - timedelta(days=5))  # old and recent
    add_parent(db, 333, created=OLD)  # never booked, long ago: removed
    add_parent(db, 444, created=RECENT)  # never booked, recently: kept
    old_ids = [
        add_appointment(db, gone, OLD, "attended"),
        add_appointment(db, gone, OLD + timedelta(days=1), "cancelled_by_parent", "other"),
        add_appointment(db, mixed, OLD + timedelta(days=2), "no_show"),
    ]
    recent_id = add_appointment(db, mixed, RECENT, "attended")
    future_id = add_appointment(db, mixed, NOW + timedelta(days=3), "confirmed")
    boundary_id = add_appointment(db, mixed, NOW - timedelta(days=365), "attended")
    with db.session() as session:
        for kind, key in (
            ("user", "111"),
            ("chat", "111"),
            ("conversation", "[111, 111]"),
            ("user", "222"),
            ("user", "333"),
            ("user", "444"),
        ):
            session.add(
                PersistedState(
                    kind=kind, name="booking" * (kind == "conversation"), key=key, data="{}"
                )
            )
    before = statistics(db)

    caplog.set_level(logging.INFO)
    with time_machine.travel(NOW, tick=False):
        assert anonymise_old(db, NOW, 365) == 3
        assert anonymise_old(db, NOW, 365) == 0  # idempotent

    assert statistics(db) == before
    with db.session() as session:
        for appointment_id in old_ids:
            row = session.get(Appointment, appointment_id)
            assert row is not None
            assert (row.note, row.staff_note, row.parent_id, row.cancel_reason) == (
                None,
                None,
                None,
                None,
            )
            assert row.request_key is None and row.anonymised_at == NOW
        for appointment_id in (recent_id, future_id, boundary_id):
            row = session.get(Appointment, appointment_id)
            assert row is not None
            assert (row.note, row.parent_id, row.anonymised_at) == ("детето не спи", mixed, None)
        details = {e.appointment_id: e.detail for e in session.exec(select(AuditEntry))}
        assert all(details[i] is None for i in old_ids)
        assert details[recent_id] == "болест"
        parents = {p.telegram_user_id for p in session.exec(select(Parent))}
        assert parents == {222, 444}
        states = {(s.kind, s.key) for s in session.exec(select(PersistedState))}
        assert states == {("user", "222"), ("user", "444")}
    logged = caplog.text
    assert "3 appointments anonymised, 2 parents" in logged
    for secret in ("Мария", "+359888123456", "детето", "болест"):
        assert secret not in logged
