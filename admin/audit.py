"""The audit trail of one appointment: every status change and staff action, who and when."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from storage.db import Database
from storage.models import AuditEntry


def trail(db: Database, appointment_id: int) -> list[AuditEntry]:
    with db.read() as session:
        return list(
            session.exec(
                select(AuditEntry)
                .where(AuditEntry.appointment_id == appointment_id)
                .order_by(col(AuditEntry.at), col(AuditEntry.id))
            )
        )


ACTIONS = (
    "status",
    "booked",
    "moved",
    "move",
    "propose",
    "refuse",
    "note",
    "reminder_manual",
    "reminder_reply",
    "close",
    "open",
    "hours",
    "staff_role",
    "staff_remove",
)


def search(
    db: Database,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    actor: str | None = None,
    appointment_id: int | None = None,
    action: str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """Entries in [start, end), newest first; `actor` "staff:ID", "parent", "system" or "cli"."""
    query = select(AuditEntry)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    if actor:
        if actor.startswith("staff:"):
            query = query.where(col(AuditEntry.actor).startswith(f"{actor} "))
        else:
            query = query.where(AuditEntry.actor == actor)
    if appointment_id is not None:
        query = query.where(AuditEntry.appointment_id == appointment_id)
    if action:
        query = query.where(AuditEntry.action == action)
    with db.read() as session:
        return list(
            session.exec(
                query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
            )
        )
