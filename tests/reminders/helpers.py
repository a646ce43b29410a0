"""Builders for reminder tests: parents and confirmed appointments on a given clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from storage.appointments import transition
from storage.db import Database
from storage.models import Appointment, AppointmentStatus, Outbox, Parent
from storage.outbox import REMINDER_KINDS
from storage.reminders import ReminderPolicy

SOFIA = ZoneInfo("Europe/Sofia")
POLICY = ReminderPolicy(tz=SOFIA)


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A Sofia wall-clock moment as aware UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=SOFIA).astimezone(UTC)


def parent(db: Database, *, user_id: int = 1001, language: str = "bg") -> int:
    """The parent with this Telegram id (created if missing); returns its id."""
    with db.session() as session:
        row = session.exec(select(Parent).where(Parent.telegram_user_id == user_id)).first()
        if row is None:
            row = Parent(telegram_user_id=user_id, chat_id=user_id, language=language)
            session.add(row)
            session.flush()
        assert row.id is not None
        return row.id


def confirmed(
    db: Database,
    *,
    start: datetime,
    now: datetime,
    user_id: int = 1001,
    language: str = "bg",
    policy: ReminderPolicy = POLICY,
) -> int:
    """A pending appointment confirmed at `now` (which plans its reminders)."""
    parent_id = parent(db, user_id=user_id, language=language)
    with db.session() as session:
        appointment = Appointment(
            parent_id=parent_id,
            topic="consulting",
            start=start,
            end=start + timedelta(hours=1),
            created_at=now,
            updated_at=now,
        )
        session.add(appointment)
        session.flush()
        transition(
            session,
            appointment,
            AppointmentStatus.confirmed,
            actor="staff",
            now=now,
            policy=policy,
        )
        assert appointment.id is not None
        return appointment.id


def rows(db: Database, appointment_id: int | None = None) -> list[Outbox]:
    """The reminder rows of the outbox (of one appointment), oldest due first."""
    with db.session() as session:
        query = (
            select(Outbox)
            .where(col(Outbox.kind).in_(REMINDER_KINDS))
            .order_by(col(Outbox.due_at), col(Outbox.id))
        )
        if appointment_id is not None:
            query = query.where(Outbox.appointment_id == appointment_id)
        return list(session.exec(query))


def open_rows(db: Database, appointment_id: int | None = None) -> list[Outbox]:
    return [r for r in rows(db, appointment_id) if r.state in ("pending", "claimed")]
