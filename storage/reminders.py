"""Reminder rows: planned with the status change that causes them, in the same transaction.

Owned by the reminders work (issue 6); `plan` and `withdraw` are called by
`storage.appointments.transition` and by moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage.models import Appointment


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out (built from settings by `bot.services`)."""

    tz: ZoneInfo
    day_before_at: time = time(18, 0)
    hours_before: float = 2.0
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)


def plan(
    session: Session, appointment: Appointment, policy: ReminderPolicy, now: datetime
) -> None:
    """Create the planned reminders of a confirmed appointment (replacing earlier ones)."""
    # Implemented by the reminders work (issue 6).
    return None


def withdraw(session: Session, appointment_id: int) -> int:
    """Withdraw every reminder of the appointment that has not gone out; returns the count."""
    # Implemented by the reminders work (issue 6).
    return 0
