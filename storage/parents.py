"""Parents: consent, the name and phone they gave, what we hold (/mydata) and erasure (/forget).

Name and phone are stored only after consent; the consent time is kept so it is asked once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import update
from sqlmodel import Session, col, select

from storage import outbox, state
from storage.appointments import transition
from storage.db import Database
from storage.errors import NoConsent
from storage.locks import LockSpace, advisory_lock
from storage.models import ACTIVE_STATUSES, Appointment, AppointmentStatus, AuditEntry, Parent
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
        lock_parent(session, telegram_user_id)
        parent = get_or_create(
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
) -> list[int]:
    """Forget the parent at once, as retention would later; returns the cancelled ids.

    Future bookings are cancelled; then every appointment of theirs loses what points at
    them (note, staff note, reasons, the audit's free text, the request key that embeds the
    Telegram id, the link to the parent) and the parent row is deleted, so a later booking
    from the same account starts a new, unrelated parent. Messages to them still waiting
    are dropped and sent ones lose their text; `announce` tells staff and rewrites the cards
    without name and phone, in this same transaction.
    """
    cancelled: list[int] = []
    with db.session() as session:
        lock_parent(session, telegram_user_id)
        state.forget_user(session, user_id=telegram_user_id, chat_id=chat_id)
        parent = get(session, telegram_user_id, lock=True)
        if parent is None:
            return cancelled
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
            session.exec(  # type: ignore[call-overload]
                update(Appointment)
                .where(col(Appointment.id).in_(ids))
                .values(
                    note=None,
                    staff_note=None,
                    decline_reason=None,
                    cancel_reason=None,
                    request_key=None,
                    parent_reply=None,
                    parent_id=None,
                    anonymised_at=now,
                )
            )
            session.exec(  # type: ignore[call-overload]
                update(AuditEntry)
                .where(col(AuditEntry.appointment_id).in_(ids))
                .values(detail=None)
            )
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
