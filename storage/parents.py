"""Parents: consent, the name and phone they gave, what we hold (/mydata) and erasure (/forget).

Name and phone are stored only after consent; the consent time is kept so it is asked once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlmodel import Session, col, select

from storage import outbox, questions, state, waitlist
from storage.appointments import anonymise, transition
from storage.db import Database
from storage.errors import NoConsent
from storage.locks import LockSpace, advisory_lock
from storage.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    Parent,
    StaffMember,
)
from storage.outbox import Announcer
from storage.reminders import ReminderPolicy

ACTOR = "parent"
NAME_MAX = 64
# Digits and the separators people type between them; letters are never a phone number.
_PHONE_CHARS = re.compile(r"^\+?[\d\s\-().\/]{3,30}$")


def parse_phone(text: str | None) -> str | None:
    """E.164 for a valid number ("0888 123 456", "+359…", "00359…"); None for anything else."""
    if not text:
        return None
    cleaned = text.strip()
    if not _PHONE_CHARS.match(cleaned):
        return None
    digits = re.sub(r"\D", "", cleaned)
    # A shared Telegram contact arrives as "359888123456", without the plus.
    if not cleaned.startswith(("+", "0")) and digits.startswith("359"):
        cleaned = "+" + digits
    try:
        number = phonenumbers.parse(cleaned, "BG")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """A stored number as people write it at home: "0888 123 456", "+963 944 123 456"."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, "BG")
    except phonenumbers.NumberParseException:
        return e164
    national = str(number.national_number)
    if (
        phonenumbers.region_code_for_number(number) == "BG"
        and phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
        and len(national) == 9
    ):  # phonenumbers gives "088 812 3456"; Bulgarians (and the centre) write "0888 123 456"
        return f"0{national[:3]} {national[3:6]} {national[6:]}"
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == "BG"
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def clean_name(text: str | None) -> str | None:
    """How to address the parent: trimmed, one line, with a letter; None if unusable."""
    if not text:
        return None
    name = " ".join(text.split())
    if not name or len(name) > NAME_MAX or name.startswith("/"):
        return None
    if not any(ch.isalpha() for ch in name):
        return None
    return name


def lock_parent(session: Session, telegram_user_id: int) -> None:
    """Serialise one parent's writes (limit, idempotency, first row) on PostgreSQL."""
    advisory_lock(session, LockSpace.parent, telegram_user_id)


def get(session: Session, telegram_user_id: int, *, lock: bool = False) -> Parent | None:
    query = select(Parent).where(Parent.telegram_user_id == telegram_user_id)
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def get_or_create(
    session: Session, *, telegram_user_id: int, chat_id: int, now: datetime, language: str = "bg"
) -> Parent:
    parent = get(session, telegram_user_id)
    if parent is None:
        parent = Parent(
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            language=language,
            created_at=now,
            updated_at=now,
        )
        session.add(parent)
        session.flush()
    elif parent.chat_id != chat_id or parent.language != language:
        parent.chat_id, parent.language, parent.updated_at = chat_id, language, now
        session.add(parent)
    return parent


def locked(
    session: Session, *, telegram_user_id: int, chat_id: int, now: datetime, language: str = "bg"
) -> Parent:
    """The parent's row under the parent's lock (created if new): the start of every write."""
    lock_parent(session, telegram_user_id)
    return get_or_create(
        session, telegram_user_id=telegram_user_id, chat_id=chat_id, now=now, language=language
    )


@dataclass(frozen=True)
class ParentView:
    """What flows may read about a parent (plain data, no session)."""

    telegram_user_id: int
    name: str | None
    phone: str | None
    language: str
    consent_at: datetime | None


def _view(parent: Parent) -> ParentView:
    return ParentView(
        telegram_user_id=parent.telegram_user_id,
        name=parent.display_name,
        phone=parent.phone,
        language=parent.language,
        consent_at=parent.consent_at,
    )


def find(db: Database, telegram_user_id: int) -> ParentView | None:
    with db.read() as session:
        parent = get(session, telegram_user_id)
        return _view(parent) if parent else None


def record_consent(
    db: Database, *, telegram_user_id: int, chat_id: int, now: datetime, language: str = "bg"
) -> ParentView:
    """Remember that the parent agreed to us storing name and phone, and when."""
    with db.session() as session:
        parent = locked(
            session,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            now=now,
            language=language,
        )
        if parent.consent_at is None:
            parent.consent_at = now
            parent.updated_at = now
            session.add(parent)
        return _view(parent)


def set_contact(session: Session, parent: Parent, *, name: str, phone: str, now: datetime) -> None:
    """Store name and phone on a parent who consented (inside the caller's transaction)."""
    if parent.consent_at is None:
        raise NoConsent()
    parent.display_name, parent.phone, parent.updated_at = name, phone, now
    session.add(parent)


@dataclass(frozen=True)
class AppointmentLine:
    id: int
    topic: str
    start: datetime
    status: str
    note: str | None = None


@dataclass(frozen=True)
class MyData:
    """Everything stored about one parent, for /mydata."""

    name: str | None
    phone: str | None
    language: str
    consent_at: datetime | None
    appointments: list[AppointmentLine]


def my_data(db: Database, *, telegram_user_id: int) -> MyData | None:
    """What we hold about the parent: contact, consent time, language and appointments."""
    with db.read() as session:
        parent = get(session, telegram_user_id)
        if parent is None:
            return None
        rows = session.exec(
            select(Appointment)
            .where(Appointment.parent_id == parent.id)
            .order_by(col(Appointment.start))
        ).all()
        return MyData(
            name=parent.display_name,
            phone=parent.phone,
            language=parent.language,
            consent_at=parent.consent_at,
            appointments=[
                AppointmentLine(
                    id=a.id or 0, topic=a.topic, start=a.start, status=a.status, note=a.note
                )
                for a in rows
            ],
        )


def forget(
    db: Database,
    *,
    telegram_user_id: int,
    chat_id: int | None,
    now: datetime,
    policy: ReminderPolicy,
    announce: Announcer | None = None,
    question_announce: questions.QuestionAnnouncer | None = None,
) -> list[int]:
    """Forget the parent at once, as retention would later; returns the cancelled ids.

    They leave the waiting list and their future bookings are cancelled; then every
    appointment of theirs loses what points at them (note, staff note, reasons, the audit's
    free text, the request key that embeds the Telegram id, the link to the parent) and the
    parent row is deleted, so a later booking from the same account starts a new, unrelated
    parent. Messages to them still waiting are dropped and sent ones lose their text;
    `announce` tells staff and rewrites the cards without name and phone, in this same
    transaction. Questions to a specialist lose their threads; `question_announce` rewrites
    their cards.
    """
    cancelled: list[int] = []
    with db.session() as session:
        lock_parent(session, telegram_user_id)
        state.forget_user(session, user_id=telegram_user_id, chat_id=chat_id)
        parent = get(session, telegram_user_id, lock=True)
        if parent is None:
            return cancelled
        # Off the waiting list first (no offer may reach them any more); a place held for
        # them goes to the next person, as do the places their cancellations free below.
        assert parent.id is not None
        freed = waitlist.leave_in(session, parent.id, now=now)
        waitlist.on_places_freed(session, freed, now=now, policy=policy)
        rows = session.exec(select(Appointment).where(Appointment.parent_id == parent.id)).all()
        for appointment in rows:
            if appointment.status in ACTIVE_STATUSES and appointment.start > now:
                transition(
                    session,
                    appointment,
                    AppointmentStatus.cancelled_by_parent,
                    actor=ACTOR,
                    now=now,
                    policy=policy,
                )
                assert appointment.id is not None
                cancelled.append(appointment.id)
        ids = [a.id for a in rows if a.id is not None]
        if ids:
            anonymise(session, ids, now, parent_reply=True)
        questions.forget_parent(session, parent.id or 0, now=now, announce=question_announce)
        outbox.forget_chat(session, chat_id=parent.chat_id, appointment_ids=ids)
        session.delete(parent)
        session.flush()
        session.expire_all()
        if announce is not None:
            for appointment_id in ids:
                if appointment_id in cancelled:
                    announce.parent_changed(session, appointment_id, "forgotten")
                else:
                    announce.refresh(session, appointment_id)
    return cancelled


# --- the parent's language ----------------------------------------------------------------


def parent_language(session: Session, telegram_user_id: int) -> str | None:
    """The language a parent reads (chosen with /language, else the one of the first booking).

    None when we hold no row for them. Everything sent to a parent later (reminders, staff
    answers, notices, an outbox) renders in this language: `bot.i18n.language(code)`.
    """
    return session.exec(
        select(Parent.language).where(Parent.telegram_user_id == telegram_user_id)
    ).first()


def _is_staff(session: Session, telegram_user_id: int) -> bool:
    query = select(StaffMember.id).where(StaffMember.telegram_user_id == telegram_user_id)
    return session.exec(query).first() is not None


def stored_language(db: Database, telegram_user_id: int) -> str | None:
    """`parent_language` in a short read of its own."""
    with db.read() as session:
        return parent_language(session, telegram_user_id)


def choose_language(
    db: Database, *, telegram_user_id: int, chat_id: int, language: str, now: datetime
) -> None:
    """Remember the language a parent picked (the row holds no name or phone without consent)."""
    with db.session() as session:
        parent = locked(
            session, telegram_user_id=telegram_user_id, chat_id=chat_id, now=now, language=language
        )
        if parent.language != language:
            parent.language, parent.updated_at = language, now
            session.add(parent)


STAFF_LANGUAGE = "bg"


class LanguageMemory:
    """Each user's language, read from the parent row once per process and kept.

    Every update needs it before any handler runs; a database read per update would cost
    more than the rest of a menu answer. The bot's own changes (`remember`, `forget`) keep
    it fresh. Staff always read Bulgarian, whatever their Telegram or parent row says.
    """

    LIMIT = 50_000

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[int, str | None] = {}

    def stored(self, telegram_user_id: int) -> str | None:
        """The parent row's language, or None when there is no row."""
        try:
            return self._known[telegram_user_id]
        except KeyError:
            pass
        with self._db.read() as session:
            if _is_staff(session, telegram_user_id):
                found: str | None = STAFF_LANGUAGE
            else:
                found = parent_language(session, telegram_user_id)
        if len(self._known) >= self.LIMIT:
            self._known.clear()
        self._known[telegram_user_id] = found
        return found

    def remember(self, telegram_user_id: int, language: str) -> None:
        self._known[telegram_user_id] = language

    def forget(self, telegram_user_id: int) -> None:
        self._known.pop(telegram_user_id, None)
