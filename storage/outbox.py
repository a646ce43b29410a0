"""The outbox: every message the bot sends on its own, as rows written with the change.

A staff card, the parent's confirmation, a "the parent cancelled" line, a reminder: each is
a row written by the service that makes the change, **in the same transaction** (`enqueue`),
so a crash after the commit cannot lose it and a rollback cannot send it. One dispatcher
(`admin.outbox`) claims due rows with a lease (`claim_due`), sends them and records the
outcome right after Telegram answers (`mark_sent`, `retry_later`, `mark_failed`).

Order: per chat, rows go out in `id` order. A row is not claimed while an earlier row of the
same chat is still open and not claimable by this claim (held by another dispatcher, or
waiting for a retry); rows of one chat claimed together are sent one after the other.

Reminders are rows of the kinds in `REMINDER_KINDS`, planned days ahead (`storage.reminders`):
their text is rendered when they are due (it says "утре"/"днес" as of the moment sent), and
they are withdrawn at claim time when their appointment is no longer confirmed, has started,
or the parent cannot be reached.

Committing a session that enqueued rows calls the wakers registered with `add_waker` (the
bot process dispatches at once instead of waiting for its next tick).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import and_, delete, event, func, or_, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.clock import utcnow
from storage.models import Appointment, AppointmentStatus, Outbox, OutboxState, Parent

Buttons = list[list[tuple[str, str]]]


class Kind(StrEnum):
    """What a row is; decides what happens once it is sent or fails."""

    staff_card = "staff_card"  # a new booking's card (recorded as a StaffCard once sent)
    card_edit = "card_edit"  # the appointment's card in `chat_id`, edited in place
    staff_notice = "staff_notice"  # a line to staff ("the parent cancelled"), under the card
    parent_notice = "parent_notice"  # to the parent: confirmed, declined, another time …
    # A parent's question (`question_id`; admin.questions renders them):
    question_card = "question_card"  # the card in a staff chat (recorded as a QuestionCard)
    question_edit = "question_edit"  # the question's card in `chat_id`, edited in place
    question_line = "question_line"  # under the card: the parent added, replied, raised again
    question_answer = "question_answer"  # a specialist's answer, to the parent


class Announcer(Protocol):
    """Writes the notices of a parent's change in the caller's transaction (`admin.notices`).

    Storage services take one so that they can announce without importing the service floor
    that renders the texts."""

    def booked(self, session: Session, appointment_id: int) -> None: ...

    def parent_changed(self, session: Session, appointment_id: int, change: str) -> None: ...

    def refresh(self, session: Session, appointment_id: int) -> None: ...


class ReminderKind(StrEnum):
    day_before = "day_before"
    hours_before = "hours_before"
    manual = "manual"


class Fence(Protocol):
    """May this process send? (`storage.lease.Lease` when several bot processes share the
    database; None when only one can run.)"""

    def valid(self, budget: float = 0.0) -> bool:
        """Locally: the lease's deadline is more than `budget` seconds away."""
        ...

    def holds(self, session: Session) -> bool:
        """In the caller's transaction: the lease is still this process's."""
        ...


REMINDER_KINDS: tuple[str, ...] = tuple(ReminderKind)
# Rows whose failure means the parent was not told (shown to staff).
PARENT_KINDS: tuple[str, ...] = (Kind.parent_notice, *REMINDER_KINDS)
OPEN_STATES = (OutboxState.pending, OutboxState.claimed)


@dataclass(frozen=True)
class Claimed:
    """One claimed row, as plain values (no ORM object outlives the claim's session)."""

    id: int
    chat_id: int
    kind: str
    appointment_id: int | None
    text: str | None
    buttons: Buttons
    document: bytes | None
    document_name: str | None
    edit_card: bool
    reply_to_card: bool
    report_to_cards: bool
    attempts: int
    question_id: int | None
    file_id: str | None
    file_kind: str | None
    lease_until: datetime
    # The appointment's start, parent and language (reminders are rendered from them).
    start: datetime | None
    parent_id: int | None
    language: str

    @property
    def to_parent(self) -> bool:
        return self.kind in PARENT_KINDS

    @property
    def is_reminder(self) -> bool:
        return self.kind in REMINDER_KINDS


# --- writing -------------------------------------------------------------------------------

_WAKERS: list[Callable[[], None]] = []
_WAKERS_LOCK = threading.Lock()
_ENQUEUED = "outbox_enqueued"


def add_waker(waker: Callable[[], None]) -> Callable[[], None]:
    """Call `waker` after every commit that enqueued rows; returns the function that stops it."""
    with _WAKERS_LOCK:
        _WAKERS.append(waker)

    def remove() -> None:
        with _WAKERS_LOCK:
            if waker in _WAKERS:
                _WAKERS.remove(waker)

    return remove


@event.listens_for(OrmSession, "after_commit")
def _wake_after_commit(session: OrmSession) -> None:
    if not session.info.pop(_ENQUEUED, False):
        return
    with _WAKERS_LOCK:
        wakers = list(_WAKERS)
    for waker in wakers:
        waker()


@event.listens_for(OrmSession, "after_rollback")
def _forget_after_rollback(session: OrmSession) -> None:
    session.info.pop(_ENQUEUED, None)


def encode_buttons(buttons: Buttons | None) -> str | None:
    return json.dumps(buttons, ensure_ascii=False) if buttons else None


def decode_buttons(raw: str | None) -> Buttons:
    if not raw:
        return []
    return [[(str(label), str(data)) for label, data in row] for row in json.loads(raw)]


def enqueue(
    session: Session,
    *,
    chat_id: int,
    kind: str,
    text: str | None = None,
    buttons: Buttons | None = None,
    appointment_id: int | None = None,
    document: bytes | None = None,
    document_name: str | None = None,
    edit_card: bool = False,
    reply_to_card: bool = False,
    report_to_cards: bool = False,
    due_at: datetime | None = None,
    question_id: int | None = None,
    file_id: str | None = None,
    file_kind: str | None = None,
) -> Outbox:
    """Add one message to send, inside the caller's transaction (sent only if it commits)."""
    now = utcnow()
    row = Outbox(
        chat_id=chat_id,
        kind=kind,
        text=text,
        buttons=encode_buttons(buttons),
        appointment_id=appointment_id,
        document=document,
        document_name=document_name,
        edit_card=edit_card,
        reply_to_card=reply_to_card,
        report_to_cards=report_to_cards,
        due_at=due_at or now,
        created_at=now,
        question_id=question_id,
        file_id=file_id,
        file_kind=file_kind,
    )
    session.add(row)
    session.flush()
    session.info[_ENQUEUED] = True
    return row


def withdraw(session: Session, *conditions: Any, error: str | None = None) -> int:
    """Withdraw the open rows matching `conditions`; returns how many."""
    values: dict[str, object] = {"state": OutboxState.withdrawn, "lease_until": None}
    if error is not None:
        values["last_error"] = error
    result = session.exec(  # type: ignore[call-overload]
        update(Outbox).where(col(Outbox.state).in_(OPEN_STATES), *conditions).values(**values)
    )
    return int(result.rowcount or 0)


def forget_chat(session: Session, *, chat_id: int, appointment_ids: Sequence[int]) -> None:
    """/forget: drop what waits for this chat and blank what was said about these appointments.

    Rows to the chat are deleted (waiting or not); rows about the appointments lose their
    text and the waiting ones are withdrawn (the caller's announcer writes fresh card edits).
    """
    session.exec(  # type: ignore[call-overload]
        delete(Outbox).where(col(Outbox.chat_id) == chat_id)
    )
    if appointment_ids:
        session.exec(  # type: ignore[call-overload]
            update(Outbox)
            .where(col(Outbox.appointment_id).in_(appointment_ids))
            .values(text=None, document=None, buttons=None)
        )
        withdraw(session, col(Outbox.appointment_id).in_(appointment_ids), error="forgotten")


# --- claiming ------------------------------------------------------------------------------


def _claimable(now: datetime) -> Any:
    return or_(
        and_(col(Outbox.state) == OutboxState.pending, col(Outbox.due_at) <= now),
        and_(col(Outbox.state) == OutboxState.claimed, col(Outbox.lease_until) < now),
    )


def is_unreachable(unreachable_at: datetime | None, updated_at: datetime | None) -> bool:
    """Blocked, and not heard from since: a parent who writes again (which bumps
    `updated_at`, e.g. `storage.parents.get_or_create`) is reachable again."""
    if unreachable_at is None:
        return False
    return updated_at is None or updated_at <= unreachable_at


def _first_blockers(
    session: Session, chats: set[int], taken: Sequence[int], now: datetime
) -> dict[int, int]:
    """Per chat, the smallest id of an open row this claim does not take (rows after it wait)."""
    if not chats:
        return {}
    rows = session.exec(
        select(Outbox.chat_id, func.min(Outbox.id))
        .where(
            col(Outbox.chat_id).in_(chats),
            col(Outbox.id).not_in(taken),
            or_(
                col(Outbox.state) == OutboxState.claimed,
                and_(
                    col(Outbox.state) == OutboxState.pending,
                    or_(col(Outbox.due_at) <= now, col(Outbox.last_error).is_not(None)),
                ),
            ),
        )
        .group_by(col(Outbox.chat_id))
    ).all()
    return {int(chat): int(first) for chat, first in rows if first is not None}


def _superseded(session: Session, edit_ids: list[int]) -> list[int]:
    """Card edits with a newer edit of the same card waiting: only the newest is worth sending
    (a staff group takes 20 messages a minute)."""
    if not edit_ids:
        return []
    newer = aliased(Outbox)
    rows = session.exec(
        select(Outbox.id)
        .join(
            newer,
            and_(
                col(newer.chat_id) == col(Outbox.chat_id),
                col(newer.appointment_id) == col(Outbox.appointment_id),
                col(newer.kind) == Kind.card_edit,
                col(newer.id) > col(Outbox.id),
                col(newer.state) == OutboxState.pending,
            ),
        )
        .where(col(Outbox.id).in_(edit_ids))
        .distinct()
    ).all()
    return [int(r) for r in rows if r is not None]


def claim_due(
    session: Session,
    now: datetime,
    worker: str,
    lease: timedelta,
    limit: int,
    *,
    ids: list[int] | None = None,
    kinds: Sequence[str] | None = None,
    fence: Fence | None = None,
) -> list[Claimed]:
    """Claim up to `limit` due rows for `worker` until `now + lease`, in per-chat order.

    With a `fence`, nothing is claimed unless this process still holds the active lease,
    checked in this transaction (a takeover waits for it to commit: `storage.lease`).

    PostgreSQL: candidates are locked `FOR UPDATE SKIP LOCKED`, so two workers never claim
    the same row. SQLite: the transaction is `BEGIN IMMEDIATE` (one writer at a time). The
    UPDATE repeats the claimable condition either way. Reminders that should no longer go
    out are withdrawn instead of claimed.
    """
    if fence is not None and not fence.holds(session):
        return []
    query = (
        select(  # type: ignore[call-overload]
            Outbox.id,
            Outbox.chat_id,
            Outbox.kind,
            Appointment.status,
            Appointment.start,
            Appointment.parent_id,
            Parent.unreachable_at,
            Parent.updated_at,
        )
        .outerjoin(Appointment, col(Appointment.id) == col(Outbox.appointment_id))
        .outerjoin(Parent, col(Parent.id) == col(Appointment.parent_id))
        .where(_claimable(now))
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    if ids is not None:
        query = query.where(col(Outbox.id).in_(ids))
    if kinds is not None:
        query = query.where(col(Outbox.kind).in_(kinds))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Outbox)  # type: ignore[arg-type]
    rows = session.exec(query).all()
    stale = [
        row_id
        for row_id, _chat, kind, status, start, parent_id, unreachable, seen in rows
        if kind in REMINDER_KINDS
        and (
            status != AppointmentStatus.confirmed
            or parent_id is None
            or start is None
            or start <= now
            or is_unreachable(unreachable, seen)
        )
    ]
    stale += _superseded(session, [row[0] for row in rows if row[2] == Kind.card_edit])
    if stale:
        withdraw(session, col(Outbox.id).in_(stale))
    candidates = [(row[0], row[1]) for row in rows if row[0] not in stale]
    blockers = _first_blockers(
        session, {chat for _id, chat in candidates}, [row[0] for row in rows], now
    )
    sendable = [row_id for row_id, chat in candidates if row_id < blockers.get(chat, row_id + 1)]
    if not sendable:
        return []
    lease_until = now + lease
    session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id).in_(sendable), _claimable(now))
        .values(state=OutboxState.claimed, lease_until=lease_until, claimed_by=worker)
    )
    claimed = session.exec(
        select(Outbox, Appointment, Parent)
        .outerjoin(Appointment, col(Appointment.id) == col(Outbox.appointment_id))
        .outerjoin(Parent, col(Parent.id) == col(Appointment.parent_id))
        .where(
            col(Outbox.id).in_(sendable),
            col(Outbox.claimed_by) == worker,
            col(Outbox.state) == OutboxState.claimed,
            col(Outbox.lease_until) == lease_until,
        )
        .order_by(col(Outbox.id))
    ).all()
    return [
        Claimed(
            id=o.id,  # type: ignore[arg-type]
            chat_id=o.chat_id,
            kind=o.kind,
            appointment_id=o.appointment_id,
            text=o.text,
            buttons=decode_buttons(o.buttons),
            document=o.document,
            document_name=o.document_name,
            edit_card=o.edit_card,
            reply_to_card=o.reply_to_card,
            report_to_cards=o.report_to_cards,
            attempts=o.attempts,
            question_id=o.question_id,
            file_id=o.file_id,
            file_kind=o.file_kind,
            lease_until=lease_until,
            start=a.start if a else None,
            parent_id=a.parent_id if a else None,
            language=p.language if p else "bg",
        )
        for o, a, p in claimed
    ]


# --- outcomes ------------------------------------------------------------------------------


def mark_sent(session: Session, row_id: int, now: datetime, message_id: int | None) -> None:
    """Record that Telegram accepted the row (whatever happened to the row meanwhile)."""
    session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.state) != OutboxState.sent)
        .values(
            state=OutboxState.sent,
            sent_at=now,
            message_id=message_id,
            lease_until=None,
            last_error=None,
        )
    )


def retry_later(
    session: Session,
    row_id: int,
    *,
    due_at: datetime,
    error: str,
    count_attempt: bool = True,
) -> None:
    """Put a claimed row back as pending, due at `due_at` (a withdrawn one stays so)."""
    values: dict[str, object] = {
        "state": OutboxState.pending,
        "due_at": due_at,
        "last_error": error[:200],
        "lease_until": None,
        "claimed_by": None,
    }
    if count_attempt:
        values["attempts"] = col(Outbox.attempts) + 1
    session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.state) == OutboxState.claimed)
        .values(**values)
    )


def release(session: Session, row_id: int, now: datetime) -> None:
    """Hand a claimed row back untouched (its lease was nearly over; nothing was sent)."""
    session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.state) == OutboxState.claimed)
        .values(state=OutboxState.pending, lease_until=None, claimed_by=None)
    )


def release_claimed(session: Session) -> int:
    """Hand back every claimed row: a process that just took over the active lease, before
    it sends anything. The old holder claimed them and sends no more (`storage.lease`), so
    what it did not send goes out now instead of after the claim's lease."""
    result = session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.state) == OutboxState.claimed)
        .values(state=OutboxState.pending, lease_until=None, claimed_by=None)
    )
    return int(result.rowcount or 0)


def mark_failed(session: Session, row_id: int, error: str) -> None:
    """Give up on a row: it will not be sent again."""
    session.exec(  # type: ignore[call-overload]
        update(Outbox)
        .where(col(Outbox.id) == row_id, col(Outbox.state).in_(OPEN_STATES))
        .values(
            state=OutboxState.failed,
            attempts=col(Outbox.attempts) + 1,
            last_error=error[:200],
            lease_until=None,
        )
    )


# --- reading -------------------------------------------------------------------------------


def parent_notice_state(session: Session, appointment_id: int) -> str | None:
    """The state of the latest message to the parent about this appointment (None: none).

    Withdrawn rows (dropped after the parent blocked the bot, or forgotten) do not count."""
    row = session.exec(
        select(Outbox.state)
        .where(
            col(Outbox.appointment_id) == appointment_id,
            col(Outbox.kind) == Kind.parent_notice,
            col(Outbox.state) != OutboxState.withdrawn,
        )
        .order_by(col(Outbox.id).desc())
        .limit(1)
    ).first()
    return str(row) if row is not None else None


@dataclass(frozen=True)
class Undelivered:
    """A message to a parent that Telegram did not take (for the staff's list)."""

    id: int
    appointment_id: int | None
    kind: str
    error: str | None
    at: datetime


def undelivered(session: Session, since: datetime, limit: int = 50) -> list[Undelivered]:
    """Failed messages to parents created since `since`, newest first."""
    rows = session.exec(
        select(Outbox)
        .where(
            col(Outbox.state) == OutboxState.failed,
            col(Outbox.kind).in_(PARENT_KINDS),
            col(Outbox.created_at) >= since,
        )
        .order_by(col(Outbox.id).desc())
        .limit(limit)
    ).all()
    return [
        Undelivered(
            id=r.id,  # type: ignore[arg-type]
            appointment_id=r.appointment_id,
            kind=r.kind,
            error=r.last_error,
            at=r.created_at,
        )
        for r in rows
    ]


def count_by_state(session: Session, kinds: Sequence[str] | None = None) -> dict[str, int]:
    """How many rows are in each state (for logs, tests and the bench)."""
    query = select(Outbox.state, func.count()).group_by(col(Outbox.state))
    if kinds is not None:
        query = query.where(col(Outbox.kind).in_(kinds))
    return {state: int(n) for state, n in session.exec(query).all()}
