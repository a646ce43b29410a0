"""Reminders: staff's "send now" and the parent's answers to a reminder. No telegram import.

Reminders are outbox rows (`storage.reminders` plans them with the confirmation); the one
dispatcher of the outbox (`admin.outbox`) sends them: see there for the delivery guarantee,
retries and what happens when a parent blocked the bot.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from admin.outbox import (
    Deliver,
    Delivery,
    DispatchReport,
    Outcome,
    SendOutcome,
    dispatch_due,
    reminder_buttons,
    reminder_text,
)
from storage import reminders
from storage.appointments import audit, get, transition
from storage.db import Database
from storage.errors import CentreError, NotAllowed
from storage.models import Appointment, AppointmentStatus, Parent
from storage.outbox import REMINDER_KINDS, Announcer, Buttons
from storage.reminders import ReminderPolicy

__all__ = [
    "REMINDER_KINDS",
    "Buttons",
    "Deliver",
    "Delivery",
    "DispatchReport",
    "Outcome",
    "SendOutcome",
    "dispatch_due",
    "reminder_buttons",
    "reminder_text",
]


def add_manual(db: Database, appointment_id: int, *, actor: str, now: datetime) -> int | None:
    """Staff's "send reminder now": a due reminder, or None when it cannot go out."""
    with db.session() as session:
        appointment = session.get(Appointment, appointment_id)
        if (
            appointment is None
            or appointment.status != AppointmentStatus.confirmed
            or appointment.start <= now
            or appointment.parent_id is None
        ):
            return None
        reminder = reminders.add_manual(session, appointment_id, now)
        if reminder is None:
            return None
        audit(
            session,
            appointment_id=appointment_id,
            actor=actor,
            action="reminder_manual",
            now=now,
        )
        return reminder.id


# --- the parent's answer --------------------------------------------------------------------


class StaleReminder(CentreError):
    """The appointment is no longer confirmed, or has already started."""


def _own_confirmed(
    session: Session, appointment_id: int, telegram_user_id: int, now: datetime
) -> Appointment:
    appointment = get(session, appointment_id, lock=True)
    parent = session.get(Parent, appointment.parent_id) if appointment.parent_id else None
    if parent is None or parent.telegram_user_id != telegram_user_id:
        raise NotAllowed(f"appointment {appointment_id}")
    if appointment.status != AppointmentStatus.confirmed or appointment.start <= now:
        raise StaleReminder(appointment.status)
    return appointment


def reply_coming(
    db: Database,
    *,
    appointment_id: int,
    telegram_user_id: int,
    now: datetime,
    announce: Announcer | None = None,
) -> datetime:
    """Record "Ще дойда"; returns the appointment's start. Raises NotAllowed/StaleReminder."""
    with db.session() as session:
        appointment = _own_confirmed(session, appointment_id, telegram_user_id, now)
        appointment.parent_reply = "coming"
        appointment.parent_reply_at = now
        appointment.updated_at = now
        session.add(appointment)
        audit(
            session,
            appointment_id=appointment_id,
            actor="parent",
            action="reminder_reply",
            detail="coming",
            now=now,
        )
        if announce is not None:
            announce.parent_changed(session, appointment_id, "coming")
        return appointment.start


def check_can_cancel(
    db: Database, *, appointment_id: int, telegram_user_id: int, now: datetime
) -> datetime:
    """The start of an own, confirmed, future appointment; raises like `reply_coming`."""
    with db.session() as session:
        return _own_confirmed(session, appointment_id, telegram_user_id, now).start


def reply_cant_come(
    db: Database,
    *,
    appointment_id: int,
    telegram_user_id: int,
    now: datetime,
    policy: ReminderPolicy,
    announce: Announcer | None = None,
) -> datetime:
    """Cancel after "Не мога да дойда" was confirmed (reminders are withdrawn with it)."""
    with db.session() as session:
        appointment = _own_confirmed(session, appointment_id, telegram_user_id, now)
        appointment.parent_reply = "cant_come"
        appointment.parent_reply_at = now
        transition(
            session,
            appointment,
            AppointmentStatus.cancelled_by_parent,
            actor="parent",
            now=now,
            policy=policy,
        )
        if announce is not None:
            announce.parent_changed(session, appointment_id, "cant_come")
        return appointment.start
