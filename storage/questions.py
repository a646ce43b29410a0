"""Questions to a specialist: one thread per question, from the parent and from staff.

A question is personal data: it is stored only after consent (asked as for a booking),
shown by /mydata, erased by /forget and removed by retention with old bookings.
Limits per parent: MAX_OPEN questions waiting at once and MAX_PER_HOUR messages an hour.
The texts never reach a log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from storage import parents
from storage.db import Database
from storage.errors import AlreadyHandled, CentreError, NoConsent, NotFound
from storage.models import (
    Outbox,
    Parent,
    Question,
    QuestionCard,
    QuestionMessage,
    QuestionStatus,
)
from storage.rules import OpeningRules, closed_days, load_rules
from storage.slots import holiday

MAX_TEXT = 2000
MAX_OPEN = 5
MAX_PER_HOUR = 20
WAITING = (QuestionStatus.open,)
# Without hours set by the centre, a working day is Monday to Friday.
_WEEKDAYS = frozenset(range(5))


class QuestionAnnouncer(Protocol):
    """Writes the staff's messages about a parent's question in the caller's transaction.

    Implemented by `admin.questions.announcer` (it renders the card); storage does not
    import the floor that renders texts.
    """

    def asked(self, session: Session, view: QuestionView) -> None: ...

    def added(self, session: Session, view: QuestionView, *, reply: bool) -> None: ...

    def forgotten(self, session: Session, question_id: int) -> None: ...


class TooManyOpen(CentreError):
    """The parent already waits for MAX_OPEN answers."""


class TooManyMessages(CentreError):
    """The parent sent MAX_PER_HOUR messages within the last hour."""


class QuestionClosed(CentreError):
    """The question was closed by staff; the parent may ask a new one."""


@dataclass(frozen=True)
class Line:
    """One message of the thread, as plain data."""

    id: int
    from_staff: bool
    staff_name: str | None
    text: str
    file_id: str | None
    file_kind: str | None
    at: datetime


@dataclass(frozen=True)
class QuestionView:
    """A question with its thread and where its staff messages are (plain data, no session)."""

    id: int
    status: str
    crisis: bool
    first_name: str | None
    language: str
    parent_chat_id: int
    parent_user_id: int
    created_at: datetime
    waiting_since: datetime
    answered_at: datetime | None
    answered_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    close_note: str | None
    lines: list[Line] = field(default_factory=list)

    @property
    def first_text(self) -> str:
        return self.lines[0].text if self.lines else ""

    @property
    def last_parent_line(self) -> Line | None:
        return next((ln for ln in reversed(self.lines) if not ln.from_staff), None)

    @property
    def last_staff_line(self) -> Line | None:
        return next((ln for ln in reversed(self.lines) if ln.from_staff), None)


def clean_text(text: str | None) -> str:
    """The question's text without surrounding blanks (the caller checks MAX_TEXT)."""
    return (text or "").strip()


# --- reading -----------------------------------------------------------------------------


def _view(session: Session, question: Question, parent: Parent | None = None) -> QuestionView:
    if parent is None and question.parent_id is not None:
        parent = session.get(Parent, question.parent_id)
    assert question.id is not None
    rows = session.exec(
        select(QuestionMessage)
        .where(QuestionMessage.question_id == question.id)
        .order_by(col(QuestionMessage.at), col(QuestionMessage.id))
    ).all()
    return QuestionView(
        id=question.id,
        status=question.status,
        crisis=question.crisis,
        first_name=question.first_name,
        language=parent.language if parent else "bg",
        parent_chat_id=parent.chat_id if parent else 0,  # 0: the parent was forgotten
        parent_user_id=parent.telegram_user_id if parent else 0,
        created_at=question.created_at,
        waiting_since=question.waiting_since,
        answered_at=question.answered_at,
        answered_by=question.answered_by,
        closed_at=question.closed_at,
        closed_by=question.closed_by,
        close_note=question.close_note,
        lines=[
            Line(
                id=m.id or 0,
                from_staff=m.from_staff,
                staff_name=m.staff_name,
                text=m.text,
                file_id=m.file_id,
                file_kind=m.file_kind,
                at=m.at,
            )
            for m in rows
        ],
    )


def view(session: Session, question_id: int) -> QuestionView:
    question = session.get(Question, question_id)
    if question is None:
        raise NotFound(f"question {question_id}")
    return _view(session, question)


def load(db: Database, question_id: int) -> QuestionView:
    with db.read() as session:
        return view(session, question_id)


def open_questions(session: Session) -> list[QuestionView]:
    """Questions waiting for an answer, the longest waiting first."""
    rows = session.exec(
        select(Question)
        .where(col(Question.status).in_(WAITING))
        .order_by(col(Question.waiting_since), col(Question.id))
    ).all()
    return [_view(session, q) for q in rows]


def of_parent(db: Database, telegram_user_id: int) -> list[QuestionView]:
    """Every question of one parent, oldest first (/mydata)."""
    with db.read() as session:
        parent = parents.get(session, telegram_user_id)
        if parent is None:
            return []
        rows = session.exec(
            select(Question).where(Question.parent_id == parent.id).order_by(col(Question.id))
        ).all()
        return [_view(session, q, parent) for q in rows]


def open_count(db: Database, telegram_user_id: int) -> int:
    """How many of the parent's questions wait for an answer."""
    with db.read() as session:
        parent = parents.get(session, telegram_user_id)
        return 0 if parent is None else _open_count(session, parent)


def _open_count(session: Session, parent: Parent) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Question)
            .where(Question.parent_id == parent.id, col(Question.status).in_(WAITING))
        ).one()
    )


def _sent_last_hour(session: Session, parent: Parent, now: datetime) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(QuestionMessage)
            .join(Question, col(Question.id) == col(QuestionMessage.question_id))
            .where(
                Question.parent_id == parent.id,
                col(QuestionMessage.from_staff).is_(False),
                col(QuestionMessage.at) > now - timedelta(hours=1),
            )
        ).one()
    )


# --- the parent's side ---------------------------------------------------------------------


def ask(
    db: Database,
    *,
    telegram_user_id: int,
    chat_id: int,
    first_name: str | None,
    language: str,
    text: str,
    now: datetime,
    file_id: str | None = None,
    file_kind: str | None = None,
    crisis: bool = False,
    announce: QuestionAnnouncer | None = None,
) -> QuestionView:
    """Open a new question and queue its card (one transaction).

    Raises NoConsent, TooManyOpen, TooManyMessages.
    """
    with db.session() as session:
        parent = parents.locked(
            session,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            now=now,
            language=language,
        )
        if parent.consent_at is None:
            raise NoConsent()
        if _open_count(session, parent) >= MAX_OPEN:
            raise TooManyOpen()
        if _sent_last_hour(session, parent, now) >= MAX_PER_HOUR:
            raise TooManyMessages()
        question = Question(
            parent_id=parent.id or 0,
            first_name=(first_name or "")[:64] or None,
            crisis=crisis,
            created_at=now,
            waiting_since=now,
            updated_at=now,
        )
        session.add(question)
        session.flush()
        assert question.id is not None
        view = _add_message(session, question, parent, question.id, text, file_id, file_kind, now)
        if announce is not None:
            announce.asked(session, view)
        return view


def _add_message(
    session: Session,
    question: Question,
    parent: Parent,
    question_id: int,
    text: str,
    file_id: str | None,
    file_kind: str | None,
    now: datetime,
) -> QuestionView:
    """The parent's message (cut to MAX_TEXT) under the question; the view as it now stands."""
    session.add(
        QuestionMessage(
            question_id=question_id,
            text=text[:MAX_TEXT],
            file_id=file_id,
            file_kind=file_kind,
            at=now,
        )
    )
    session.flush()
    return _view(session, question, parent)


def add(
    db: Database,
    *,
    telegram_user_id: int,
    question_id: int,
    text: str,
    now: datetime,
    file_id: str | None = None,
    file_kind: str | None = None,
    crisis: bool = False,
    announce: QuestionAnnouncer | None = None,
) -> tuple[QuestionView, bool]:
    """Add the parent's message to their question; an answered one waits again.

    Returns the question and whether it had been answered (staff then see a reply).
    Raises NotFound (not theirs), QuestionClosed, TooManyMessages.
    """
    with db.session() as session:
        parents.lock_parent(session, telegram_user_id)
        parent = parents.get(session, telegram_user_id)
        # Locked as staff's answer and close lock it: their change and this one take turns.
        question = session.exec(
            select(Question).where(Question.id == question_id).with_for_update()
        ).first()
        if parent is None or question is None or question.parent_id != parent.id:
            raise NotFound(f"question {question_id}")
        if question.status == QuestionStatus.closed:
            raise QuestionClosed()
        if _sent_last_hour(session, parent, now) >= MAX_PER_HOUR:
            raise TooManyMessages()
        was_answered = question.status == QuestionStatus.answered
        if was_answered:
            question.status = QuestionStatus.open
            question.waiting_since = now
            question.raised_at = None
        question.crisis = question.crisis or crisis
        question.updated_at = now
        session.add(question)
        view = _add_message(session, question, parent, question_id, text, file_id, file_kind, now)
        if announce is not None:
            announce.added(session, view, reply=was_answered)
        return view, was_answered


# --- the staff's side (callers check the staff list in the same transaction) ---------------


def answer(
    session: Session,
    question_id: int,
    *,
    staff_user_id: int,
    staff_name: str,
    text: str,
    now: datetime,
) -> QuestionView:
    """Record a staff answer; someone else's answer first raises AlreadyHandled."""
    question = _locked(session, question_id)
    if question.status != QuestionStatus.open:
        by = question.answered_by if question.status == "answered" else question.closed_by
        at = question.answered_at if question.status == "answered" else question.closed_at
        raise AlreadyHandled(question.status, by, at)
    question.status = QuestionStatus.answered
    question.answered_at, question.answered_by = now, staff_name
    question.updated_at = now
    session.add(question)
    session.add(
        QuestionMessage(
            question_id=question_id,
            from_staff=True,
            staff_user_id=staff_user_id,
            staff_name=staff_name,
            text=text[: MAX_TEXT * 2],
            at=now,
        )
    )
    session.flush()
    return _view(session, question)


def close(
    session: Session, question_id: int, *, staff_name: str, note: str, now: datetime
) -> QuestionView:
    """Close without (another) answer; the note stays inside the centre."""
    question = _locked(session, question_id)
    if question.status == QuestionStatus.closed:
        raise AlreadyHandled(question.status, question.closed_by, question.closed_at)
    question.status = QuestionStatus.closed
    question.closed_at, question.closed_by = now, staff_name
    question.close_note = note[:MAX_TEXT]
    question.updated_at = now
    session.add(question)
    session.flush()
    return _view(session, question)


def _locked(session: Session, question_id: int) -> Question:
    question = session.exec(
        select(Question).where(Question.id == question_id).with_for_update()
    ).first()
    if question is None:
        raise NotFound(f"question {question_id}")
    return question


def due_for_raise(session: Session, *, now: datetime, tz: ZoneInfo) -> list[int]:
    """Open questions waiting one working day since they waited or were last raised."""
    rules = load_rules(session)
    due: list[int] = []
    rows = session.exec(
        select(Question).where(col(Question.status).in_(WAITING)).order_by(col(Question.id))
    ).all()
    for question in rows:
        since = question.raised_at or question.waiting_since
        if one_working_day_after(session, rules, since, tz) <= now:
            assert question.id is not None
            due.append(question.id)
    return due


def mark_raised(session: Session, question_id: int, now: datetime) -> bool:
    """Mark the question raised; False if it was answered or closed since it was found due."""
    question = _locked(session, question_id)
    if question.status not in WAITING:
        return False
    question.raised_at = now
    session.add(question)
    return True


# --- staff-chat messages of a question ------------------------------------------------------


def add_card(
    session: Session, *, question_id: int, chat_id: int, message_id: int, kind: str = "card"
) -> None:
    session.add(
        QuestionCard(question_id=question_id, chat_id=chat_id, message_id=message_id, kind=kind)
    )


def record_card(
    db: Database, *, question_id: int, chat_id: int, message_id: int, kind: str = "card"
) -> None:
    with db.session() as session:
        add_card(
            session, question_id=question_id, chat_id=chat_id, message_id=message_id, kind=kind
        )


def card_ids(session: Session, question_id: int, chat_id: int) -> list[int]:
    """The question's card(s) in one chat, oldest first (edits and lines go to the newest)."""
    return [
        int(mid)
        for mid in session.exec(
            select(QuestionCard.message_id)
            .where(
                QuestionCard.question_id == question_id,
                QuestionCard.chat_id == chat_id,
                QuestionCard.kind == "card",
            )
            .order_by(col(QuestionCard.id))
        )
    ]


def remember_message(
    session: Session, question_id: int, chat_id: int, message_id: int, kind: str
) -> None:
    """Record a sent message of the question (the outbox calls it once Telegram took it).

    Nothing when the question was erased meanwhile or the message is already known.
    """
    if session.get(Question, question_id) is None:
        return
    known = session.exec(
        select(QuestionCard.id).where(
            QuestionCard.chat_id == chat_id, QuestionCard.message_id == message_id
        )
    ).first()
    if known is None:
        add_card(
            session, question_id=question_id, chat_id=chat_id, message_id=message_id, kind=kind
        )


def card_of_message(db: Database, chat_id: int, message_id: int) -> tuple[int, str] | None:
    """(question id, kind) when the message is one of a question's messages in that chat."""
    with db.read() as session:
        row = session.exec(
            select(QuestionCard).where(
                QuestionCard.chat_id == chat_id, QuestionCard.message_id == message_id
            )
        ).first()
        return (row.question_id, row.kind) if row else None


# --- erasure and retention ------------------------------------------------------------------


def _delete(session: Session, ids: list[int]) -> None:
    if not ids:
        return
    for table, column in (
        (Outbox, Outbox.question_id),  # the texts queued or sent about them
        (QuestionMessage, QuestionMessage.question_id),
        (QuestionCard, QuestionCard.question_id),
        (Question, Question.id),
    ):
        session.exec(delete(table).where(col(column).in_(ids)))  # type: ignore[call-overload]


def forget_parent(
    session: Session,
    parent_id: int,
    *,
    now: datetime,
    announce: QuestionAnnouncer | None = None,
) -> list[int]:
    """Erase what the parent wrote and was answered (/forget); returns the questions' ids.

    The threads, the name and the note go, with everything queued or sent about them; each
    question stays as an empty, closed stub (no link to the parent) so that `announce` can
    rewrite its staff cards ("the parent erased their data"); retention removes the stubs.
    """
    ids = [
        qid
        for qid in session.exec(select(Question.id).where(Question.parent_id == parent_id))
        if qid is not None
    ]
    if not ids:
        return ids
    for table, column in (
        (Outbox, Outbox.question_id),
        (QuestionMessage, QuestionMessage.question_id),
    ):
        session.exec(delete(table).where(col(column).in_(ids)))  # type: ignore[call-overload]
    session.exec(  # type: ignore[call-overload]
        delete(QuestionCard).where(
            col(QuestionCard.question_id).in_(ids), col(QuestionCard.kind) == "parent"
        )
    )
    session.exec(  # type: ignore[call-overload]
        update(Question)
        .where(col(Question.id).in_(ids))
        .values(
            parent_id=None,
            first_name=None,
            close_note=None,
            status=QuestionStatus.closed,
            closed_at=now,
            closed_by=None,
            updated_at=now,
        )
    )
    if announce is not None:
        for question_id in ids:
            announce.forgotten(session, question_id)
    return ids


def remove_old(session: Session, cutoff: datetime) -> int:
    """Remove questions with no activity since `cutoff` (retention); returns how many."""
    ids = [
        qid
        for qid in session.exec(select(Question.id).where(col(Question.updated_at) < cutoff))
        if qid is not None
    ]
    _delete(session, ids)
    return len(ids)


# --- working days ---------------------------------------------------------------------------


def hours_set_by_centre(rules: OpeningRules) -> bool:
    """Whether the centre itself set the weekly hours (the answer times are read from them).

    Until then parents are told "до един работен ден" and working days are Monday to Friday.
    """
    return rules.hours_set and bool(rules.hours)


def is_working_day(session: Session, rules: OpeningRules, day: date) -> bool:
    """A day the centre works: hours that day (or Mon–Fri when unset), no holiday, not closed."""
    if hours_set_by_centre(rules):
        if not rules.hours.get(day.weekday()):
            return False
    elif day.weekday() not in _WEEKDAYS:
        return False
    return holiday(day) is None and day not in closed_days(session, day, day)


def next_working_day(session: Session, rules: OpeningRules, after: date) -> date | None:
    """The first working day after `after` within two months (None: none known)."""
    day = after
    for _ in range(62):
        day += timedelta(days=1)
        if is_working_day(session, rules, day):
            return day
    return None


def one_working_day_after(
    session: Session, rules: OpeningRules, moment: datetime, tz: ZoneInfo
) -> datetime:
    """The same local time on the next working day: when an unanswered question is raised."""
    local = moment.astimezone(tz)
    day = next_working_day(session, rules, local.date()) or local.date() + timedelta(days=1)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)


@dataclass(frozen=True)
class Expectation:
    """When the parent may expect an answer: "today", a working day, or unknown."""

    kind: str  # "today" / "day" / "unknown"
    day: date | None = None


def expected_answer(db: Database, *, now: datetime, tz: ZoneInfo) -> Expectation:
    """From the opening rules: today within working hours, else the next working day."""
    with db.read() as session:
        rules = load_rules(session)
        if not hours_set_by_centre(rules):
            return Expectation("unknown")
        local = now.astimezone(tz)
        today = local.date()
        spans = rules.hours.get(today.weekday()) or ()
        if is_working_day(session, rules, today) and any(
            local.time() < close for _opens, close in spans
        ):
            return Expectation("today", today)
        day = next_working_day(session, rules, today)
        return Expectation("day", day) if day else Expectation("unknown")
