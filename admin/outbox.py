"""The one dispatcher of the outbox (`storage.outbox`): claim, send, record. No telegram import.

A JobQueue tick, and every commit that enqueued rows, call `dispatch_due` with a `deliver`
callable (the PTB adapter is `admin/telegram/outbox.py`): reminders of appointments that
already started are skipped, due rows are claimed with a lease, each chat's rows are sent
one after the other (chats in parallel, `CONCURRENCY` at a time; the Application's rate
limiter paces them against Telegram's limits) and each row is marked right after Telegram
answers.

Delivery guarantee: **at least once**.

- A crash between claim and send: the lease (`LEASE`) expires and any worker claims the
  row again; nothing was sent, so nothing is duplicated.
- A crash between Telegram accepting the message and the "sent" commit: the row is still
  claimed, the lease expires and it goes out a second time. That duplicate window is one
  short UPDATE done synchronously right after the await (no other coroutine runs between).
- Two workers never hold the same row (`storage.outbox.claim_due`). A worker stops sending
  from a batch before its lease runs out, so a re-claimed row is never sent by its old owner.
- Several bot processes on one PostgreSQL (`storage.lease`): only the active one claims
  (`services.fence`, checked in the claim's transaction) and it sends nothing once its lease
  is no longer valid; the next active one hands back the rows it left claimed.

Outcomes: 429 → due again after `retry_after`, attempts not burned; 5xx / timeouts → backoff
(`BACKOFF_BASE` doubling, up to `BACKOFF_MAX`), then failed; 403 → failed and the parent
marked unreachable (their reminders withdrawn); 400 (chat not found …) → failed at once. A
message to a parent that failed is told to staff under the card and shown on the card
("не успяхме да уведомим родителя — обадете се на …"), and listed by `undelivered`. Later
rows of a chat wait while an earlier one waits for its retry.

Effects of a sent row, in the transaction that marks it: a staff card is recorded (later
edits find it); a parent's message with `report_to_cards` queues the card edit that now
says "Родителят е уведомен".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Session, col

from admin import notices
from admin import questions as question_notices
from bot.centre import Content
from bot.i18n import _, comma, format_clock, format_day_short, language, relative_day
from bot.services import Services
from storage import outbox, questions, reminders
from storage import staff as staff_repo
from storage.clock import utcnow
from storage.models import Outbox, OutboxState
from storage.outbox import Buttons, Claimed, Kind
from storage.reminders import ReminderPolicy

log = logging.getLogger(__name__)

# How long a claim holds a row (default; OUTBOX_LEASE_SECONDS); a worker stops sending from
# its batch once LEASE - LEASE_MARGIN (LEASE_MARGIN as a share of other leases) has passed,
# so an expired lease is never used.
LEASE = timedelta(minutes=5)
LEASE_MARGIN = timedelta(minutes=2)
BACKOFF_BASE = timedelta(seconds=60)
BACKOFF_MAX = timedelta(hours=1)
CONCURRENCY = 8
# Staff cards and parents' notices are worth more tries than a reminder (which has a deadline).
MIN_NOTICE_ATTEMPTS = 8


QUESTION_KINDS = (Kind.question_card, Kind.question_edit, Kind.question_line, Kind.question_answer)
# What a sent question row becomes (`storage.questions.QuestionCard.kind`).
QUESTION_RECORDS: dict[str, str] = {
    Kind.question_card: "card",
    Kind.question_line: "follow",
    Kind.question_answer: "parent",
}


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


@dataclass(frozen=True)
class Delivery:
    """One Bot API call: a message, a document (text is its caption) or an edit."""

    chat_id: int
    text: str
    buttons: Buttons
    document: bytes | None = None
    document_name: str | None = None
    edit_message_id: int | None = None
    reply_to_message_id: int | None = None
    # A photo or document by Telegram's file id ("photo" / "document"); text is its caption.
    file_id: str | None = None
    file_kind: str | None = None


Deliver = Callable[[Delivery], Awaitable[SendOutcome]]


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
    released: int = 0  # lease nearly over, or an earlier row of the chat must wait
    dropped: int = 0  # an edit of a card that was never posted
    fenced: int = 0  # not sent: this process no longer holds the active lease
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
        centre=_(content.centre.name),  # ЦОП spelled out: a reminder is read on its own
        address=_(content.contacts.address_short),
    )


def reminder_buttons(appointment_id: int) -> Buttons:
    return [
        [
            (_("Ще дойда"), f"rem:yes:{appointment_id}"),
            (_("Не мога да дойда"), f"rem:no:{appointment_id}"),
        ]
    ]


# --- dispatch -------------------------------------------------------------------------------


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2**attempts), BACKOFF_MAX)


class _Stop(Exception):
    """The rest of this chat's batch waits (an earlier row is waiting for a retry)."""


async def dispatch_due(
    services: Services,
    deliver: Deliver,
    *,
    worker_id: str,
    now: datetime | None = None,
    batch: int = 100,
    ids: list[int] | None = None,
    kinds: tuple[str, ...] | None = None,
    concurrency: int = CONCURRENCY,
) -> DispatchReport:
    """Send the rows that are due now; each is marked right after its own send."""
    fixed_now = now

    def clock() -> datetime:
        return fixed_now if fixed_now is not None else utcnow()

    db = services.db
    fence = services.fence
    policy = services.reminder_policy
    reminder_attempts = services.settings.reminder_max_attempts
    result = DispatchReport()
    lease = timedelta(seconds=services.settings.outbox_lease_seconds)
    margin = LEASE_MARGIN * (lease / LEASE)
    start_now = clock()
    with db.session() as session:
        result.skipped_past = reminders.skip_past(session, start_now)
    with db.session() as session:
        claimed = outbox.claim_due(
            session, start_now, worker_id, lease, batch, ids=ids, kinds=kinds, fence=fence
        )
    result.claimed = len(claimed)
    if not claimed:
        return result
    claimed_at = time.monotonic()
    usable = (lease - margin).total_seconds()
    gate = asyncio.Semaphore(max(1, concurrency))
    by_chat: dict[int, list[Claimed]] = {}
    for item in claimed:
        by_chat.setdefault(item.chat_id, []).append(item)

    def question_delivery(item: Claimed) -> Delivery | None:
        """A question's card, card edit, line under the card, or answer to the parent."""
        assert item.question_id is not None
        card: int | None = None
        if item.kind in (Kind.question_edit, Kind.question_line):
            with db.read() as session:
                cards = questions.card_ids(session, item.question_id, item.chat_id)
            card = cards[-1] if cards else None
        if item.kind == Kind.question_edit:
            if card is None:
                return None
            return Delivery(item.chat_id, item.text or "", item.buttons, edit_message_id=card)
        return Delivery(
            item.chat_id,
            item.text or "",
            item.buttons,
            reply_to_message_id=card,
            file_id=item.file_id,
            file_kind=item.file_kind,
        )

    def delivery_of(item: Claimed) -> Delivery | None:
        """What to call; None for an edit of a card that was never posted."""
        if item.question_id is not None and item.kind in QUESTION_KINDS:
            return question_delivery(item)
        if item.is_reminder:
            assert item.start is not None and item.appointment_id is not None
            with language(item.language):
                text = reminder_text(services.content, item.start, clock(), policy)
                buttons = reminder_buttons(item.appointment_id)
            return Delivery(item.chat_id, text, buttons)
        card: int | None = None
        if (item.edit_card or item.reply_to_card) and item.appointment_id is not None:
            with db.read() as session:
                cards = [
                    m
                    for c, m in staff_repo.cards_of(session, item.appointment_id)
                    if c == item.chat_id
                ]
            card = cards[-1] if cards else None
        if item.edit_card:
            if card is None:
                return None
            return Delivery(item.chat_id, item.text or "", item.buttons, edit_message_id=card)
        return Delivery(
            item.chat_id,
            item.text or "",
            item.buttons,
            document=item.document,
            document_name=item.document_name,
            reply_to_message_id=card,
        )

    def on_sent(item: Claimed, outcome: SendOutcome) -> None:
        at = clock()
        with db.session() as session:
            outbox.mark_sent(session, item.id, at, outcome.message_id)
            if item.kind == Kind.staff_card and item.appointment_id and outcome.message_id:
                staff_repo.add_card(
                    session,
                    appointment_id=item.appointment_id,
                    chat_id=item.chat_id,
                    message_id=outcome.message_id,
                )
            if item.report_to_cards and item.appointment_id is not None:
                notices.refresh_cards(session, services, item.appointment_id)
            if item.question_id is not None and outcome.message_id:
                kind = QUESTION_RECORDS.get(item.kind)
                if kind is not None:  # later replies to this message find the question
                    questions.remember_message(
                        session, item.question_id, item.chat_id, outcome.message_id, kind
                    )

    def on_failure(item: Claimed, outcome: SendOutcome) -> None:
        at = clock()
        error = outcome.error or outcome.kind.value
        most = reminder_attempts
        if not item.is_reminder:
            most = max(reminder_attempts, MIN_NOTICE_ATTEMPTS)
        deadline_ok = (
            item.start is None or not item.is_reminder or at + _backoff(item.attempts) < item.start
        )
        with db.session() as session:
            if outcome.kind is Outcome.retry_after:
                wait = timedelta(seconds=max(1.0, outcome.retry_after or 1.0))
                outbox.retry_later(
                    session, item.id, due_at=at + wait, error=error, count_attempt=False
                )
                result.postponed += 1
                raise_stop = True
            elif outcome.kind is Outcome.transient and item.attempts + 1 < most and deadline_ok:
                outbox.retry_later(
                    session, item.id, due_at=at + _backoff(item.attempts), error=error
                )
                result.retried += 1
                raise_stop = True
            else:
                outbox.mark_failed(session, item.id, error)
                raise_stop = False
                if outcome.kind is Outcome.blocked:
                    result.blocked += 1
                else:
                    result.failed += 1
                if item.to_parent:
                    _parent_not_told(session, item, outcome, at)
                    # Blocked: the rest of the batch for this chat was withdrawn with it.
                    raise_stop = outcome.kind is Outcome.blocked
                elif item.kind == Kind.question_answer and item.question_id is not None:
                    question_notices.answer_not_delivered(session, services, item.question_id)
                else:
                    log.warning("outbox row %s (%s) failed: %s", item.id, item.kind, error)
        if raise_stop:
            raise _Stop

    def _parent_not_told(
        session: Session, item: Claimed, outcome: SendOutcome, at: datetime
    ) -> None:
        """Staff learn it under the card and on it; a blocked parent gets nothing more."""
        if outcome.kind is Outcome.blocked and item.parent_id is not None:
            reminders.mark_unreachable(session, item.parent_id, at)
            outbox.withdraw(
                session,
                col(Outbox.chat_id) == item.chat_id,
                col(Outbox.kind) == Kind.parent_notice,
                error="blocked",
            )
        if item.appointment_id is None:
            return
        if item.is_reminder:
            change = "unreachable" if outcome.kind is Outcome.blocked else "reminder_failed"
        else:
            change = "notice_failed"
        notices.tell_staff(session, services, item.appointment_id, change)

    async def one(item: Claimed) -> None:
        if fence is not None and not fence.valid():
            # The active lease is gone (or going): leave the row claimed; whoever takes over
            # hands it back before sending (storage.outbox.release_claimed).
            result.fenced += 1
            return
        if time.monotonic() - claimed_at > usable:
            with db.session() as session:
                outbox.release(session, item.id, clock())
            result.released += 1
            return
        delivery = delivery_of(item)
        if delivery is None:
            with db.session() as session:
                outbox.withdraw(session, col(Outbox.id) == item.id, error="no card")
            result.dropped += 1
            return
        try:
            outcome = await deliver(delivery)
        except Exception as exc:  # an adapter bug must not strand the claim
            outcome = SendOutcome(Outcome.transient, error=type(exc).__name__)
        answered = time.perf_counter()
        # The duplicate window: from here to the commit in on_sent. Keep it short.
        if outcome.kind is Outcome.sent:
            on_sent(item, outcome)
            result.windows.append(time.perf_counter() - answered)
            result.sent += 1
            result.sent_ids.append(item.id)
            return
        on_failure(item, outcome)

    async def chat_run(items: list[Claimed]) -> None:
        async with gate:
            for index, item in enumerate(items):
                try:
                    await one(item)
                except _Stop:
                    with db.session() as session:
                        for rest in items[index + 1 :]:
                            outbox.release(session, rest.id, clock())
                    result.released += len(items) - index - 1
                    return

    outcomes = await asyncio.gather(
        *(chat_run(items) for items in by_chat.values()), return_exceptions=True
    )
    for problem in outcomes:
        if isinstance(problem, BaseException):  # e.g. the database went away mid-batch
            # Those rows stay claimed; their lease expires and they are sent again.
            log.error("outbox dispatch step failed: %s", type(problem).__name__)
    log.info(
        "outbox: claimed %d, sent %d, postponed %d, retried %d, blocked %d, failed %d, "
        "released %d, dropped %d, skipped %d",
        result.claimed,
        result.sent,
        result.postponed,
        result.retried,
        result.blocked,
        result.failed,
        result.released,
        result.dropped,
        result.skipped_past,
    )
    return result


# --- what staff read about undelivered messages ------------------------------------------------


def undelivered(services: Services, *, days: int = 14) -> list[outbox.Undelivered]:
    """Messages to parents that failed in the last `days` days (the staff's list)."""
    with services.db.read() as session:
        return outbox.undelivered(session, utcnow() - timedelta(days=days))


def pending_count(services: Services) -> int:
    """Rows still to go out (for `cop-bot check` and the logs)."""
    with services.db.read() as session:
        counts = outbox.count_by_state(session)
    return counts.get(OutboxState.pending, 0) + counts.get(OutboxState.claimed, 0)
