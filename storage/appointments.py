"""Appointment status changes: one place that checks the transition, audits it and
keeps the reminders in step, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from storage import reminders, waitlist
from storage.errors import InvalidTransition, NotFound
from storage.models import Appointment, AuditEntry
from storage.models import AppointmentStatus as S
from storage.reminders import ReminderPolicy

ALLOWED: dict[str, set[str]] = {
    S.pending: {S.confirmed, S.declined, S.cancelled_by_parent, S.cancelled_by_staff},
    S.confirmed: {S.cancelled_by_parent, S.cancelled_by_staff, S.attended, S.no_show},
    S.attended: {S.no_show},
    S.no_show: {S.attended},
    S.declined: set(),
    S.cancelled_by_parent: set(),
    S.cancelled_by_staff: set(),
}

# Reached only from an active status (ALLOWED): the place is free again.
FREES_A_PLACE = (S.declined, S.cancelled_by_parent, S.cancelled_by_staff)


def get(session: Session, appointment_id: int, *, lock: bool = False) -> Appointment:
    appointment = session.get(Appointment, appointment_id, with_for_update=lock)
    if appointment is None:
        raise NotFound(f"appointment {appointment_id}")
    return appointment


def audit(
    session: Session,
    *,
    appointment_id: int | None,
    actor: str,
    action: str,
    from_status: str | None = None,
    to_status: str | None = None,
    detail: str | None = None,
    now: datetime,
) -> None:
    session.add(
        AuditEntry(
            appointment_id=appointment_id,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            detail=detail,
            at=now,
        )
    )


def transition(
    session: Session,
    appointment: Appointment,
    to: S,
    *,
    actor: str,
    now: datetime,
    policy: ReminderPolicy,
    reason: str | None = None,
) -> Appointment:
    """Move to `to` if allowed; audit it; plan or withdraw reminders in the same transaction."""
    current = appointment.status
    if to not in ALLOWED.get(current, set()):
        raise InvalidTransition(current, to)
    appointment.status = to
    appointment.updated_at = now
    if to in (S.declined,):
        appointment.decline_reason = reason
    if to in (S.cancelled_by_parent, S.cancelled_by_staff):
        appointment.cancel_reason = reason
    if not ALLOWED.get(to):  # a final status: an open staff proposal is moot
        appointment.proposed_start = None
    if to == S.cancelled_by_parent:  # the parent acted: no staff name on "already handled"
        appointment.handled_by, appointment.handled_at = None, now
    session.add(appointment)
    session.flush()
    assert appointment.id is not None
    audit(
        session,
        appointment_id=appointment.id,
        actor=actor,
        action="status",
        from_status=current,
        to_status=to,
        detail=reason,
        now=now,
    )
    if to == S.confirmed:
        reminders.plan(session, appointment, policy, now)
    elif to != S.attended:
        reminders.withdraw(session, appointment.id)
    if to in FREES_A_PLACE:  # offered to the waiting list in this transaction
        waitlist.on_place_freed(
            session,
            appointment.start,
            now=now,
            policy=policy,
            skip_parent=appointment.parent_id if to == S.cancelled_by_parent else None,
        )
    return appointment


def anonymise(
    session: Session, ids: Sequence[int | None], now: datetime, *, parent_reply: bool = False
) -> None:
    """Strip what points at a person from these appointments and their audit rows.

    Status, topic and times stay (the statistics). `parent_reply=True` also clears the
    parent's answer to a reminder ("coming", a code, not text they typed): a parent's
    /forget does; nightly retention keeps it for the attendance figures.
    """
    values: dict[str, object] = {
        "note": None,
        "staff_note": None,
        "decline_reason": None,
        "cancel_reason": None,
        "request_key": None,
    }
    if parent_reply:
        values["parent_reply"] = None
    values.update(parent_id=None, anonymised_at=now)
    session.exec(  # type: ignore[call-overload]
        update(Appointment).where(col(Appointment.id).in_(ids)).values(**values)
    )
    session.exec(  # type: ignore[call-overload]
        update(AuditEntry).where(col(AuditEntry.appointment_id).in_(ids)).values(detail=None)
    )
