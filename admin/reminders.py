"""Reminder dispatch and the parent's answers to a reminder. No telegram import.

A JobQueue tick calls `dispatch_due` with a `send` callable (the PTB adapter lives in
`admin/telegram/reminders.py`): skip reminders of appointments that already started,
claim the due ones with a lease, send each, and mark each right after its send.

Delivery guarantee: **at least once**, never lost while the appointment is confirmed and
in the future.

- A crash between claim and send: the lease (`LEASE`) expires and any worker claims the
  row again; nothing was sent, so nothing is duplicated.
- A crash (or a lost database connection) between Telegram accepting the message and the
  "sent" commit: the row is still claimed, the lease expires and the reminder goes out a
  second time. That duplicate window is the time from `send` returning to the commit of
  one short UPDATE, done synchronously right after the await (no other coroutine can run
  in between, no batching). `bench/bench_reminders.py` measures it: 10,000 reminders on
  SQLite gave p50 1.6 ms, p99 22 ms, max 131 ms; 1,000 on PostgreSQL p50 2.8 ms, p99
  15 ms. The time the answer spends travelling back from Telegram adds to it and cannot
  be measured from here.
- Two workers never hold the same row: claims are `FOR UPDATE SKIP LOCKED` on PostgreSQL
  and guarded UPDATEs inside `BEGIN IMMEDIATE` on SQLite. A worker stops sending from a
  batch before its lease runs out, so a re-claimed row is never sent by its old owner.
- `RetryAfter`: the reminder stays due at `now + retry_after`, attempts not burned.
  Blocked (`Forbidden`): the parent is marked unreachable, all their reminders withdrawn,
  staff told. Transient errors: exponential backoff up to `reminder_max_attempts`, then
  failed and staff told. Permanent errors (e.g. chat not found): failed at once, staff told.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session

from bot.centre import Content
from bot.i18n import _, comma, format_clock, format_day_short, language, relative_day
from bot.services import Services
from storage import reminders
from storage.appointments import audit, get, transition
from storage.clock import utcnow
from storage.db import Database
from storage.errors import CentreError, NotAllowed
from storage.models import Appointment, AppointmentStatus, Parent
from storage.reminders import ClaimedReminder, ReminderPolicy

log = logging.getLogger(__name__)

# How long a claim holds a reminder; a worker stops sending from its batch once
# LEASE - LEASE_MARGIN has passed, so an expired lease is never used.
LEASE = timedelta(minutes=5)
LEASE_MARGIN = timedelta(minutes=2)
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_MAX = timedelta(hours=1)
CONCURRENCY = 8

# Changes announced to staff through `admin.telegram.notify.announce_parent_change`.
CHANGE_UNREACHABLE = "unreachable"
CHANGE_REMINDER_FAILED = "reminder_failed"


class Outcome(StrEnum):
    sent = "sent"
    retry_after = "retry_after"
    blocked = "blocked"
    transient = "transient"
    permanent = "permanent"


@dataclass(frozen=True)
class SendOutcome:
    """What happened to one send; `error` is a short code, never a message text."""

    kind: Outcome
    message_id: int | None = None
    retry_after: float | None = None
    error: str | None = None

    @classmethod
    def ok(cls, message_id: int | None) -> SendOutcome:
        return cls(Outcome.sent, message_id=message_id)


# (chat id, reminder text, appointment id): the Telegram side adds the answer buttons
# (admin/telegram/reminders.py::reminder_buttons), in the language the text is in.
Send = Callable[[int, str, int], Awaitable[SendOutcome]]
Report = Callable[[int], Awaitable[None]]


@dataclass
class DispatchReport:
    """Counts of one dispatcher run, plus the send→commit windows in seconds."""

    skipped_past: int = 0
    claimed: int = 0
    sent: int = 0
    postponed: int = 0  # RetryAfter
    retried: int = 0  # transient error, backoff
    blocked: int = 0
    failed: int = 0
    released: int = 0  # lease nearly over: left for the next run
    sent_ids: list[int] = field(default_factory=list)
    windows: list[float] = field(default_factory=list)


# --- the reminder message -------------------------------------------------------------------


def reminder_text(content: Content, start: datetime, now: datetime, policy: ReminderPolicy) -> str:
    """ "Напомняне: утре, вторник, 24 ноември, в 10:00 ч. …" in the current language."""
    local = start.astimezone(policy.tz)
    day = format_day_short(local.date())
    rel = relative_day(local.date(), now.astimezone(policy.tz).date())
    if rel:
        day = f"{rel}{comma()}{day}"
    return _("Напомняне: {day}, в {time} ч. Ви очакваме в {centre}, {address}").format(
        day=day,
        time=format_clock(local),
        centre=_(content.centre.short_name),
        address=_(content.contacts.address_short),
    )


# --- dispatch -------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2**attempts), BACKOFF_MAX)


async def dispatch_due(
    services: Services,
    send: Send,
    *,
    worker_id: str,
    now: datetime | None = None,
    batch: int = 100,
    ids: list[int] | None = None,
    report_unreachable: Report | None = None,
    report_failed: Report | None = None,
    concurrency: int = CONCURRENCY,
) -> DispatchReport:
    """Send the reminders that are due now; each is marked right after its own send."""
    fixed_now = now

    def clock() -> datetime:
        return fixed_now if fixed_now is not None else utcnow()

    db = services.db
    policy = services.reminder_policy
    max_attempts = services.settings.reminder_max_attempts
    result = DispatchReport()
    start_now = clock()
    with db.session() as session:
        result.skipped_past = reminders.skip_past(session, start_now)
    with db.session() as session:
        claimed = reminders.claim_due(session, start_now, worker_id, LEASE, batch, ids=ids)
    result.claimed = len(claimed)
    if not claimed:
        if result.skipped_past:
            log.info("reminders: %d skipped (appointment started)", result.skipped_past)
        return result
    claimed_at = time.monotonic()
    usable = (LEASE - LEASE_MARGIN).total_seconds()
    gate = asyncio.Semaphore(max(1, concurrency))
    reports: list[tuple[Report | None, int]] = []

    async def one(item: ClaimedReminder) -> None:
        async with gate:
            if time.monotonic() - claimed_at > usable:
                with db.session() as session:
                    reminders.mark_retry(
                        session, item.id, due_at=clock(), error="lease", count_attempt=False
                    )
                result.released += 1
                return
            with language(item.language):  # the text and the adapter's buttons
                text = reminder_text(services.content, item.start, clock(), policy)
                try:
                    outcome = await send(item.chat_id, text, item.appointment_id)
                except Exception as exc:  # an adapter bug must not strand the claim
                    outcome = SendOutcome(Outcome.transient, error=type(exc).__name__)
            answered = time.perf_counter()
            # The duplicate window: from here to the commit below. Keep it short.
            if outcome.kind is Outcome.sent:
                with db.session() as session:
                    reminders.mark_sent(session, item.id, clock(), outcome.message_id)
                result.windows.append(time.perf_counter() - answered)
                result.sent += 1
                result.sent_ids.append(item.id)
                return
            _settle(item, outcome)

    def _settle(item: ClaimedReminder, outcome: SendOutcome) -> None:
        at = clock()
        error = outcome.error or outcome.kind.value
        with db.session() as session:
            if outcome.kind is Outcome.retry_after:
                wait = timedelta(seconds=max(1.0, outcome.retry_after or 1.0))
                reminders.mark_retry(
                    session, item.id, due_at=at + wait, error=error, count_attempt=False
                )
                result.postponed += 1
            elif outcome.kind is Outcome.blocked:
                reminders.mark_failed(session, item.id, "blocked")
                reminders.mark_unreachable(session, item.parent_id, at)
                result.blocked += 1
                reports.append((report_unreachable, item.appointment_id))
            elif (
                outcome.kind is Outcome.transient
                and item.attempts + 1 < max_attempts
                and (at + _backoff(item.attempts) < item.start)
            ):
                reminders.mark_retry(
                    session, item.id, due_at=at + _backoff(item.attempts), error=error
                )
                result.retried += 1
            else:
                reminders.mark_failed(session, item.id, error)
                result.failed += 1
                reports.append((report_failed, item.appointment_id))

    outcomes = await asyncio.gather(*(one(item) for item in claimed), return_exceptions=True)
    for problem in outcomes:
        if isinstance(problem, BaseException):  # e.g. the database went away mid-batch
            # Those rows stay claimed; their lease expires and they are sent again.
            log.error("reminder dispatch step failed: %s", type(problem).__name__)
    for hook, appointment_id in reports:
        if hook is None:
            continue
        try:
            await hook(appointment_id)
        except Exception as exc:  # telling staff must never break the dispatcher
            log.warning("reminder report for %s failed: %s", appointment_id, type(exc).__name__)
    log.info(
        "reminders: claimed %d, sent %d, postponed %d, retried %d, blocked %d, failed %d, "
        "released %d, skipped %d",
        result.claimed,
        result.sent,
        result.postponed,
        result.retried,
        result.blocked,
        result.failed,
        result.released,
        result.skipped_past,
    )
    return result


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
    db: Database, *, appointment_id: int, telegram_user_id: int, now: datetime
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
        return appointment.start
