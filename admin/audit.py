"""The audit trail of one appointment: every status change and staff action, who and when."""

from __future__ import annotations

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
