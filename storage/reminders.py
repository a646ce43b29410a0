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
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    Appointment,
    AppointmentStatus,
    Parent,
    Reminder,
    ReminderState,
)


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out (built from settings by `bot.services`)."""

    tz: ZoneInfo
    day_before_at: time = time(18, 0)
    hours_before: float = 2.0
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)


class ReminderKind(StrEnum):
    day_before = "day_before"
    hours_before = "hours_before"
    manual = "manual"


# States in which a reminder has not gone out and may still go out.
OPEN_STATES = (ReminderState.planned, ReminderState.claimed)


@dataclass(frozen=True)
class ClaimedReminder:
    """What the dispatcher needs to send one claimed reminder (plain values, no ORM)."""

    id: int
    appointment_id: int
    kind: str
    attempts: int
    start: datetime
    chat_id: int
    parent_id: int
    language: str
    lease_until: datetime


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


def plan(
    session: Session, appointment: Appointment, policy: ReminderPolicy, now: datetime
) -> None:
    """Create the planned reminders of a confirmed appointment (replacing earlier ones)."""
    assert appointment.id is not None
    withdraw(session, appointment.id)
    for kind, due in planned_times(appointment.start, policy, now):
        session.add(Reminder(appointment_id=appointment.id, kind=kind, due_at=due))
    session.flush()


def withdraw(session: Session, appointment_id: int) -> int:
    """Withdraw every reminder of the appointment that has not gone out; returns the count."""
    result = session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(
            col(Reminder.appointment_id) == appointment_id,
            col(Reminder.state).in_(OPEN_STATES),
        )
        .values(state=ReminderState.withdrawn, lease_until=None)
    )
    return int(result.rowcount or 0)


def add_manual(session: Session, appointment_id: int, now: datetime) -> Reminder:
    """A reminder staff asked for: due at once, quiet hours do not apply."""
    reminder = Reminder(appointment_id=appointment_id, kind=ReminderKind.manual, due_at=now)
    session.add(reminder)
    session.flush()
    return reminder


def for_appointment(session: Session, appointment_id: int) -> list[Reminder]:
    """Every reminder row of one appointment, oldest due first."""
    return list(
        session.exec(
            select(Reminder)
            .where(Reminder.appointment_id == appointment_id)
            .order_by(col(Reminder.due_at), col(Reminder.id))
        )
    )


# --- dispatching ----------------------------------------------------------------------------


def _claimable(now: datetime) -> object:
    return or_(
        and_(col(Reminder.state) == ReminderState.planned, col(Reminder.due_at) <= now),
        and_(col(Reminder.state) == ReminderState.claimed, col(Reminder.lease_until) < now),
    )


def is_unreachable(unreachable_at: datetime | None, updated_at: datetime | None) -> bool:
    """Blocked, and not heard from since: a parent who writes again (which bumps
    `updated_at`, e.g. `storage.parents.get_or_create`) is reachable again."""
    if unreachable_at is None:
        return False
    return updated_at is None or updated_at <= unreachable_at


def claim_due(
    session: Session,
    now: datetime,
    worker: str,
    lease: timedelta,
    limit: int,
    *,
    ids: list[int] | None = None,
) -> list[ClaimedReminder]:
    """Claim up to `limit` due reminders for `worker` until `now + lease`.

    PostgreSQL: the candidate rows are locked with `FOR UPDATE SKIP LOCKED`, so two
    workers never claim the same row. SQLite: the transaction is `BEGIN IMMEDIATE` (one
    writer at a time) and the UPDATE repeats the claimable condition. Rows whose
    appointment is no longer confirmed, is ownerless or whose parent is unreachable are
    withdrawn instead of claimed (see `is_unreachable`).
    """
    query = (
        select(
            Reminder.id,
            Appointment.status,
            Appointment.parent_id,
            Parent.unreachable_at,
            Parent.updated_at,
        )
        .join(Appointment, col(Appointment.id) == col(Reminder.appointment_id))
        .outerjoin(Parent, col(Parent.id) == col(Appointment.parent_id))
        .where(_claimable(now), col(Appointment.start) > now)
        .order_by(col(Reminder.due_at), col(Reminder.id))
        .limit(limit)
    )
    if ids is not None:
        query = query.where(col(Reminder.id).in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Reminder)  # type: ignore[arg-type]
    rows = session.exec(query).all()
    sendable = [
        rid
        for rid, status, parent_id, unreachable, seen in rows
        if status == AppointmentStatus.confirmed
        and parent_id is not None
        and not is_unreachable(unreachable, seen)
    ]
    stale = [row[0] for row in rows if row[0] not in sendable]
    if stale:
        session.exec(  # type: ignore[call-overload]
            update(Reminder)
            .where(col(Reminder.id).in_(stale))
            .values(state=ReminderState.withdrawn, lease_until=None)
        )
    if not sendable:
        return []
    lease_until = now + lease
    session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(col(Reminder.id).in_(sendable), _claimable(now))
        .values(state=ReminderState.claimed, lease_until=lease_until, claimed_by=worker)
    )
    claimed = session.exec(
        select(Reminder, Appointment, Parent)
        .join(Appointment, col(Appointment.id) == col(Reminder.appointment_id))
        .join(Parent, col(Parent.id) == col(Appointment.parent_id))
        .where(
            col(Reminder.id).in_(sendable),
            col(Reminder.claimed_by) == worker,
            col(Reminder.state) == ReminderState.claimed,
            col(Reminder.lease_until) == lease_until,
        )
        .order_by(col(Reminder.due_at), col(Reminder.id))
    ).all()
    return [
        ClaimedReminder(
            id=r.id,  # type: ignore[arg-type]
            appointment_id=a.id,  # type: ignore[arg-type]
            kind=r.kind,
            attempts=r.attempts,
            start=a.start,
            chat_id=p.chat_id,
            parent_id=p.id,  # type: ignore[arg-type]
            language=p.language,
            lease_until=lease_until,
        )
        for r, a, p in claimed
    ]


def mark_sent(session: Session, reminder_id: int, now: datetime, message_id: int | None) -> None:
    """Record that Telegram accepted the reminder (whatever happened to the row meanwhile)."""
    session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.state) != ReminderState.sent)
        .values(
            state=ReminderState.sent,
            sent_at=now,
            message_id=message_id,
            lease_until=None,
            last_error=None,
        )
    )


def mark_retry(
    session: Session,
    reminder_id: int,
    *,
    due_at: datetime,
    error: str,
    count_attempt: bool = True,
) -> None:
    """Put a claimed reminder back as planned, due at `due_at` (a withdrawn one stays so)."""
    values: dict[str, object] = {
        "state": ReminderState.planned,
        "due_at": due_at,
        "last_error": error[:200],
        "lease_until": None,
        "claimed_by": None,
    }
    if count_attempt:
        values["attempts"] = col(Reminder.attempts) + 1
    session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.state) == ReminderState.claimed)
        .values(**values)
    )


def mark_failed(session: Session, reminder_id: int, error: str) -> None:
    """Give up on a reminder: it will not be sent again."""
    session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(col(Reminder.id) == reminder_id, col(Reminder.state).in_(OPEN_STATES))
        .values(
            state=ReminderState.failed,
            attempts=col(Reminder.attempts) + 1,
            last_error=error[:200],
            lease_until=None,
        )
    )


def mark_unreachable(session: Session, parent_id: int, now: datetime) -> int:
    """The parent blocked the bot: flag them and withdraw all their open reminders."""
    parent = session.get(Parent, parent_id, with_for_update=True)
    if parent is not None and parent.unreachable_at is None:
        parent.unreachable_at = now
        parent.updated_at = now
        session.add(parent)
    appointment_ids = select(Appointment.id).where(col(Appointment.parent_id) == parent_id)
    result = session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(
            col(Reminder.appointment_id).in_(appointment_ids),
            col(Reminder.state).in_(OPEN_STATES),
        )
        .values(state=ReminderState.withdrawn, lease_until=None, last_error="blocked")
    )
    return int(result.rowcount or 0)


def skip_past(session: Session, now: datetime) -> int:
    """Reminders of appointments that have already started are skipped, never sent."""
    started = select(Appointment.id).where(col(Appointment.start) <= now)
    result = session.exec(  # type: ignore[call-overload]
        update(Reminder)
        .where(
            col(Reminder.appointment_id).in_(started),
            or_(
                col(Reminder.state) == ReminderState.planned,
                and_(
                    col(Reminder.state) == ReminderState.claimed,
                    col(Reminder.lease_until) < now,
                ),
            ),
        )
        .values(state=ReminderState.skipped, lease_until=None)
    )
    return int(result.rowcount or 0)


def count_by_state(session: Session) -> dict[str, int]:
    """How many reminders are in each state (for logs, tests and the bench)."""
    rows = session.exec(select(Reminder.state, func.count()).group_by(col(Reminder.state))).all()
    return {state: int(n) for state, n in rows}
