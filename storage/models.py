"""Tables. Times are aware UTC (`UTCDateTime`); Telegram ids are 64-bit."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow
from storage.types import UTCDateTime


def _utc(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kw)


class AppointmentStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    declined = "declined"
    cancelled_by_parent = "cancelled_by_parent"
    cancelled_by_staff = "cancelled_by_staff"
    attended = "attended"
    no_show = "no_show"


# Statuses that hold a place in a slot.
ACTIVE_STATUSES = (AppointmentStatus.pending, AppointmentStatus.confirmed)


class Parent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    chat_id: int = Field(sa_type=BigInteger)
    display_name: str | None = None
    phone: str | None = None  # E.164
    language: str = "bg"
    consent_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    unreachable_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    # "Не искам такива въпроси": no survey after a visit, for good (issue 22).
    no_surveys_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    created_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
    updated_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class Appointment(SQLModel, table=True):
    __table_args__ = (Index("ix_appointment_start_status", "start", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="parent.id", index=True)
    topic: str  # a booking topic key from the content file
    note: str | None = Field(default=None, sa_type=Text)
    start: datetime = _utc()  # type: ignore[assignment]
    end: datetime = _utc()  # type: ignore[assignment]
    status: str = Field(default=AppointmentStatus.pending, index=True)
    # Idempotency: a retried update or a double tap on "Потвърди" books once.
    request_key: str | None = Field(default=None, unique=True)
    decline_reason: str | None = None
    cancel_reason: str | None = None
    staff_note: str | None = Field(default=None, sa_type=Text)
    # The parent's answer to a reminder: "coming" (Ще дойда).
    parent_reply: str | None = None
    parent_reply_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    # Staff "Друг час": a proposed new start the parent accepts or refuses.
    proposed_start: datetime | None = _utc(default=None)  # type: ignore[assignment]
    handled_by: str | None = None  # staff name who confirmed/declined, for the card
    handled_via: str | None = None  # "web" when done on the web desk (the card says so)
    handled_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    anonymised_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    created_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
    updated_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class OpeningHours(SQLModel, table=True):
    """One open interval on a weekday (0 = Monday); several rows make breaks."""

    id: int | None = Field(default=None, primary_key=True)
    weekday: int = Field(index=True)
    opens: time
    closes: time


class BookingRules(SQLModel, table=True):
    """A single row (id 1): how the opening hours are cut into bookable places."""

    id: int | None = Field(default=None, primary_key=True)
    slot_minutes: int = 60
    places_per_slot: int = 1
    min_lead_minutes: int = 120
    horizon_days: int = 21
    # False while the hours are the bot's assumption (seeded defaults); set once staff set
    # the hours (`admin.hours.set_hours`, `confirm_hours`). Until then the bot books against
    # them but never states them as the centre's hours.
    hours_set: bool = False


class ClosedDay(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    reason: str | None = None


class AuditEntry(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int | None = Field(default=None, index=True)
    actor: str  # "parent", "staff:<id> <name>", "system"
    action: str
    from_status: str | None = None
    to_status: str | None = None
    detail: str | None = None
    at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class StaffRole(StrEnum):
    staff = "staff"
    admin = "admin"


class StaffMember(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    name: str
    role: str = StaffRole.staff
    chat_id: int | None = Field(default=None, sa_type=BigInteger)
    added_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class StaffInvite(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(unique=True, index=True)
    role: str = StaffRole.staff
    expires_at: datetime = _utc()  # type: ignore[assignment]
    used_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    used_by: int | None = Field(default=None, sa_type=BigInteger)


class WebSignIn(SQLModel, table=True):
    """A one-time sign-in link to the web desk: only its hash is kept; 10 minutes, once."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True)
    telegram_user_id: int = Field(sa_type=BigInteger)
    expires_at: datetime = _utc()  # type: ignore[assignment]
    used_at: datetime | None = _utc(default=None)  # type: ignore[assignment]


class AppSecret(SQLModel, table=True):
    """Secrets generated on first start and shared by every process (the web session key)."""

    name: str = Field(primary_key=True)
    value: str


class StaffCard(SQLModel, table=True):
    """Where an appointment's card was posted, so it can be edited in place."""

    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", index=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)


class OutboxState(StrEnum):
    pending = "pending"  # waiting for its `due_at` (or for a retry)
    claimed = "claimed"  # a dispatcher holds it until `lease_until`
    sent = "sent"  # Telegram accepted it
    failed = "failed"  # given up (blocked, chat not found, out of attempts)
    withdrawn = "withdrawn"  # no longer wanted (a reminder of a cancelled appointment)
    skipped = "skipped"  # a reminder whose appointment had already started


class Outbox(SQLModel, table=True):
    """One message the bot sends on its own (not the answer to the update being handled).

    Written in the same transaction as the change it announces (`storage.outbox.enqueue`),
    sent by one dispatcher (`admin.outbox`). Everything needed to send is in the row: the
    rendered text and plain buttons, or for reminders (`kind` day_before / hours_before /
    manual, `text` empty) the appointment to render from when due. Per chat, rows go out in
    `id` order.
    """

    __table_args__ = (
        Index("ix_outbox_state_due", "state", "due_at"),
        Index("ix_outbox_chat_id_id", "chat_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInteger)
    kind: str  # storage.outbox.Kind or a reminder kind
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    text: str | None = Field(default=None, sa_type=Text)
    buttons: str | None = Field(default=None, sa_type=Text)  # JSON [[label, callback], ...]
    document: bytes | None = Field(default=None, sa_type=LargeBinary)
    document_name: str | None = None
    # Edit the appointment's staff card in this chat instead of sending a new message.
    edit_card: bool = False
    # Send as a reply to the appointment's staff card in this chat (when there is one).
    reply_to_card: bool = False
    # Once sent or failed, edit the appointment's staff cards to show it ("Родителят е уведомен").
    report_to_cards: bool = False
    # A parent's question (storage.questions): its card, edits, lines and the answer. No
    # foreign key: erasing a question deletes its rows (`storage.questions`).
    question_id: int | None = Field(default=None, index=True)
    # A photo or document the parent sent, passed on by Telegram's file id ("photo"/"document").
    file_id: str | None = None
    file_kind: str | None = None
    due_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
    state: str = Field(default=OutboxState.pending)
    attempts: int = 0
    last_error: str | None = None
    lease_until: datetime | None = _utc(default=None)  # type: ignore[assignment]
    claimed_by: str | None = None
    sent_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class PersistedState(SQLModel, table=True):
    """PTB persistence rows: conversations, user/chat/bot data, as JSON."""

    kind: str = Field(primary_key=True)  # conversation / user / chat / bot / callback
    name: str = Field(primary_key=True, default="")  # conversation name, or ""
    key: str = Field(primary_key=True, default="")  # JSON of the key tuple, or id
    data: str = Field(sa_column=Column(Text, nullable=False))


class QuestionStatus(StrEnum):
    open = "open"  # the parent waits for an answer
    answered = "answered"  # staff answered; the parent may reply (it opens again)
    closed = "closed"  # staff closed it without (another) answer, with an internal note


class Question(SQLModel, table=True):
    """A parent's question to a specialist: one thread, answered by staff in the staff chat."""

    __table_args__ = (Index("ix_question_status_waiting", "status", "waiting_since"),)

    id: int | None = Field(default=None, primary_key=True)
    # NULL once the parent is forgotten: the question is then an empty, closed stub whose
    # staff cards say so, removed by retention.
    parent_id: int | None = Field(default=None, foreign_key="parent.id", index=True)
    status: str = Field(default=QuestionStatus.open)
    first_name: str | None = None  # the parent's Telegram first name, for the card
    crisis: bool = False  # a crisis word was in it: the card is marked 🆘
    created_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
    # Since when the parent waits (the first unanswered message); re-raise counts from here.
    waiting_since: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
    updated_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
    answered_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    answered_by: str | None = None  # the staff member's name, for the card
    closed_at: datetime | None = _utc(default=None)  # type: ignore[assignment]
    closed_by: str | None = None
    close_note: str | None = Field(default=None, sa_type=Text)  # stays inside the centre
    raised_at: datetime | None = _utc(default=None)  # type: ignore[assignment]


class QuestionMessage(SQLModel, table=True):
    """One message of a question's thread, from the parent or from staff."""

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    from_staff: bool = False
    staff_user_id: int | None = Field(default=None, sa_type=BigInteger)
    staff_name: str | None = None
    text: str = Field(default="", sa_type=Text)
    file_id: str | None = None  # a Telegram photo or document the parent added
    file_kind: str | None = None  # "photo" / "document"
    at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class QuestionCard(SQLModel, table=True):
    """A staff-chat message of a question: the card (edited in place), a follow-up or a prompt.

    A staff member's Telegram reply to any of them answers (or closes) that question.
    """

    __table_args__ = (UniqueConstraint("chat_id", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    chat_id: int = Field(sa_type=BigInteger)
    message_id: int = Field(sa_type=BigInteger)
    kind: str = "card"  # card / follow / answer prompt ("prompt") / close prompt ("close")


# --- waiting list and survey (issue 22) -----------------------------------------------------


class PartOfDay(StrEnum):
    morning = "morning"  # сутрин: starts before 12:00 local
    afternoon = "afternoon"  # следобед: starts at 12:00 local or later
    any = "any"  # всяко време


class WaitlistEntry(SQLModel, table=True):
    """A parent waiting for a place: at most one entry per parent, first come first offered."""

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int = Field(foreign_key="parent.id", unique=True)
    topic: str
    weekdays: str  # local weekdays that suit, "0,2,4" (0 = Monday)
    part_of_day: str = PartOfDay.any
    joined_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class HoldState(StrEnum):
    held = "held"  # the place is kept for the entry until `hold_until`
    taken = "taken"  # the person booked it
    declined = "declined"  # "Не ми е удобно"
    expired = "expired"  # nobody answered in time
    void = "void"  # the person left the list, or the place went away


class WaitlistHold(SQLModel, table=True):
    """A freed place offered to one person on the list and kept for them meanwhile.

    While `state` is held the place counts as taken for everybody else (storage.slots).
    In quiet hours the offer goes out at `offered_at` (the morning) and the hold runs
    from then.
    """

    __table_args__ = (Index("ix_waitlisthold_state_start", "state", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    start: datetime = _utc()  # type: ignore[assignment]
    end: datetime = _utc()  # type: ignore[assignment]
    entry_id: int | None = Field(default=None, foreign_key="waitlistentry.id", index=True)
    offered_at: datetime = _utc()  # type: ignore[assignment]
    hold_until: datetime = _utc()  # type: ignore[assignment]
    state: str = HoldState.held
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    closed_at: datetime | None = _utc(default=None)  # type: ignore[assignment]


class SurveyInvite(SQLModel, table=True):
    """One question after one attended visit: asked once, whatever the answer."""

    id: int | None = Field(default=None, primary_key=True)
    appointment_id: int = Field(foreign_key="appointment.id", unique=True)
    state: str = "asked"  # asked -> scored -> done (or stopped: "Не искам такива въпроси")
    asked_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class SurveyAnswer(SQLModel, table=True):
    """A usefulness score (1–5): no parent, no appointment, only the day it was given."""

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    score: int


class SurveyComment(SQLModel, table=True):
    """An optional line after a score, kept apart from it and from the parent."""

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))


class Lease(SQLModel, table=True):
    """Which bot process is active on this database (PostgreSQL; `storage.lease`).

    One row. The process that holds the advisory lock writes itself here with a new `token`
    the moment it gets the lock; the outbox's claims check the token in their transaction.
    """

    id: int = Field(default=1, primary_key=True)
    holder: str  # the process id (`Process.id`)
    token: int = Field(default=0, sa_type=BigInteger)  # +1 on every change of holder
    since: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]


class Process(SQLModel, table=True):
    """One running bot process, for `cop-bot status`: active or standby, and when last seen."""

    id: str = Field(primary_key=True)  # host-pid-random
    host: str
    pid: int
    role: str  # "active" / "standby" (`storage.lease.Role`)
    started_at: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
    since: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
    last_seen: datetime = _utc(default_factory=utcnow)  # type: ignore[assignment]
