"""Reminder rows: planned with the status change that causes them, in the same transaction.

`plan` and `withdraw` are called by `storage.appointments.transition` and by moves; the
dispatcher (`admin.reminders`) claims, marks and retries rows through the rest.

Plan (all wall-clock arithmetic in `policy.tz`, stored as aware UTC):

- *day before*: at `day_before_at` (18:00) on the local day before the appointment, or at
  confirmation if that is later. An appointment confirmed on its own day gets none (there
  is no "day before" left; the hours-before reminder covers it).
- *hours before*: `hours_before` (2 h) of elapsed time before the start, so a DST change
  in between does not shift it.
- Quiet hours `[quiet_start, quiet_end)` (21:00–08:00): 21:00 itself is quiet, 08:00 is
  not. A reminder that falls inside moves to the nearest allowed moment that is not in
  the past and lies before the appointment: either the last allowed minute before the
  quiet hours began (20:59) or the moment they end (08:00); the closer one wins, the
  earlier one on a tie. If neither exists, the reminder is skipped (not created).
- A booking confirmed less than `hours_before` ahead gets no automatic reminder at all.
- Two reminders that land on the same minute collapse into one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from storage import outbox
from storage.models import Appointment, Outbox, OutboxState, Parent
from storage.outbox import REMINDER_KINDS, Claimed, ReminderKind, is_unreachable


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out (built from settings by `bot.services`)."""

    tz: ZoneInfo
    day_before_at: time = time(18, 0)
    hours_before: float = 2.0
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)


# States in which a reminder has not gone out and may still go out.
OPEN_STATES = outbox.OPEN_STATES
ClaimedReminder = Claimed
__all__ = ["REMINDER_KINDS", "ReminderKind", "is_unreachable"]


# --- planning -------------------------------------------------------------------------------


def _at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The aware UTC moment of a wall-clock time (a time in a DST gap comes out later)."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _is_quiet(moment: datetime, policy: ReminderPolicy) -> bool:
    clock = moment.astimezone(policy.tz).time().replace(tzinfo=None)
    start, end = policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def _quiet_bounds(moment: datetime, policy: ReminderPolicy) -> tuple[datetime, datetime]:
    """(start, end) of the quiet period that contains `moment`, as aware UTC."""
    local = moment.astimezone(policy.tz)
    clock = local.time().replace(tzinfo=None)
    first_day = local.date()
    wraps = policy.quiet_start > policy.quiet_end
    if wraps and clock < policy.quiet_end:
        first_day -= timedelta(days=1)
    last_day = first_day + timedelta(days=1) if wraps else first_day
    return (
        _at_local(first_day, policy.quiet_start, policy.tz),
        _at_local(last_day, policy.quiet_end, policy.tz),
    )


def allowed_time(
    due: datetime, *, start: datetime, now: datetime, policy: ReminderPolicy
) -> datetime | None:
    """Move `due` out of the quiet hours (see the module docstring); None = skip it."""
    if not _is_quiet(due, policy):
        return due if now <= due < start else None
    quiet_from, quiet_until = _quiet_bounds(due, policy)
    before = quiet_from - timedelta(minutes=1)  # the last allowed minute
    options = [c for c in (before, quiet_until) if now <= c < start]
    if not options:
        return None
    return min(options, key=lambda c: (abs(c - due), c))


def planned_times(
    start: datetime, policy: ReminderPolicy, now: datetime
) -> list[tuple[ReminderKind, datetime]]:
    """The automatic reminders of an appointment at `start` confirmed at `now`."""
    if start - now < timedelta(hours=policy.hours_before):
        return []
    local_start = start.astimezone(policy.tz)
    wanted: list[tuple[ReminderKind, datetime]] = []
    if now.astimezone(policy.tz).date() < local_start.date():
        evening = _at_local(
            local_start.date() - timedelta(days=1), policy.day_before_at, policy.tz
        )
        wanted.append((ReminderKind.day_before, max(evening, now)))
    wanted.append((ReminderKind.hours_before, start - timedelta(hours=policy.hours_before)))
    result: list[tuple[ReminderKind, datetime]] = []
    seen: set[datetime] = set()
    for kind, due in wanted:
        moved = allowed_time(due, start=start, now=now, policy=policy)
        if moved is None:
            continue
        minute = moved.replace(second=0, microsecond=0)
        if minute in seen:
            continue
        seen.add(minute)
        result.append((kind, moved))
    return result


def _chat_of(session: Session, appointment: Appointment) -> int | None:
    parent = session.get(Parent, appointment.parent_id) if appointment.parent_id else None
    return parent.chat_id if parent is not None else None


def _is_reminder(appointment_id: int) -> list[object]:
    return [
        col(Outbox.appointment_id) == appointment_id,
        col(Outbox.kind).in_(REMINDER_KINDS),
    ]


def plan(
    session: Session, appointment: Appointment, policy: ReminderPolicy, now: datetime
) -> None:
    """Create the planned reminders of a confirmed appointment (replacing earlier ones).

    They are outbox rows without a text: rendered when due (`admin.outbox`)."""
    assert appointment.id is not None
    withdraw(session, appointment.id)
    chat_id = _chat_of(session, appointment)
    if chat_id is None:
        return
    for kind, due in planned_times(appointment.start, policy, now):
        outbox.enqueue(
            session, chat_id=chat_id, kind=kind, appointment_id=appointment.id, due_at=due
        )


def withdraw(session: Session, appointment_id: int) -> int:
    """Withdraw every reminder of the appointment that has not gone out; returns the count."""
    return outbox.withdraw(session, *_is_reminder(appointment_id))


def add_manual(session: Session, appointment_id: int, now: datetime) -> Outbox | None:
    """A reminder staff asked for: due at once, quiet hours do not apply."""
    appointment = session.get(Appointment, appointment_id)
    chat_id = _chat_of(session, appointment) if appointment is not None else None
    if chat_id is None:
        return None
    return outbox.enqueue(
        session,
        chat_id=chat_id,
        kind=ReminderKind.manual,
        appointment_id=appointment_id,
        due_at=now,
    )


def for_appointment(session: Session, appointment_id: int) -> list[Outbox]:
    """Every reminder row of one appointment, oldest due first."""
    return list(
        session.exec(
            select(Outbox)
            .where(*_is_reminder(appointment_id))
            .order_by(col(Outbox.due_at), col(Outbox.id))
        )
    )


# --- dispatching: reminders are outbox rows (storage.outbox claims and marks them) ---------


def claim_due(
    session: Session,
    now: datetime,
    worker: str,
    lease: timedelta,
    limit: int,
    *,
    ids: list[int] | None = None,
) -> list[Claimed]:
    """Claim due reminders only (see `storage.outbox.claim_due`)."""
    return outbox.claim_due(session, now, worker, lease, limit, ids=ids, kinds=REMINDER_KINDS)


mark_sent = outbox.mark_sent
mark_retry = outbox.retry_later
mark_failed = outbox.mark_failed


def mark_unreachable(session: Session, parent_id: int, now: datetime) -> int:
    """The parent blocked the bot: flag them and withdraw all their open reminders."""
    parent = session.get(Parent, parent_id, with_for_update=True)
    if parent is not None and parent.unreachable_at is None:
        parent.unreachable_at = now
        parent.updated_at = now
        session.add(parent)
    appointment_ids = select(Appointment.id).where(col(Appointment.parent_id) == parent_id)
    return outbox.withdraw(
        session,
        col(Outbox.appointment_id).in_(appointment_ids),
        col(Outbox.kind).in_(REMINDER_KINDS),
        error="blocked",
    )


def skip_past(session: Session, now: datetime) -> int:
    """Reminders of appointments that have already started are skipped, never sent."""
    started = select(Appointment.id).where(col(Appointment.start) <= now)
    result = session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(
            col(Outbox.appointment_id).in_(started),
            col(Outbox.kind).in_(REMINDER_KINDS),
            or_(
                col(Outbox.state) == OutboxState.pending,
                and_(
                    col(Outbox.state) == OutboxState.claimed,
                    col(Outbox.lease_until) < now,
                ),
            ),
        )
        .values(state=OutboxState.skipped, lease_until=None)
    )
    return int(result.rowcount or 0)


def count_by_state(session: Session) -> dict[str, int]:
    """How many reminders are in each state (for logs, tests and the bench)."""
    return outbox.count_by_state(session, REMINDER_KINDS)
