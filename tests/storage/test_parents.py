"""Parents: phone parsing, consent, /mydata and /forget."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from storage import booking, parents, state
from storage.db import Database
from storage.models import Appointment, AppointmentStatus
from storage.reminders import ReminderPolicy

TZ = ZoneInfo("Europe/Sofia")
NOW = datetime(2026, 11, 23, 8, tzinfo=TZ).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("0888 123 456", "+359888123456"),
        ("+359888123456", "+359888123456"),
        ("00359 888 123 456", "+359888123456"),
        ("359888123456", "+359888123456"),  # a shared Telegram contact
        ("0373 9 10 76", "+35937391076"),
        ("088-812-3456", "+359888123456"),
        ("+963 944 123 456", "+963944123456"),
    ],
)
def test_parse_phone_accepts(text: str, e164: str) -> None:
    assert parents.parse_phone(text) == e164


@pytest.mark.parametrize(
    "text", ["", "abc", "112", "0888", "0888 ABC DEF", "мой телефон 0888123456", "1" * 40, "😀"]
)
def test_parse_phone_rejects(text: str) -> None:
    assert parents.parse_phone(text) is None


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+359888123456", "0888 123 456"),  # as the parent typed it, as the centre writes
        ("+359988123456", "0988 123 456"),
        ("+963944123456", "+963 944 123 456"),
        (None, ""),
    ],
)
def test_display_phone_groups_mobiles_as_bulgarians_write_them(
    e164: str | None, shown: str
) -> None:
    assert parents.display_phone(e164) == shown


def test_clean_name() -> None:
    assert parents.clean_name("  Мария   Иванова ") == "Мария Иванова"
    assert parents.clean_name("Maria") == "Maria"
    for bad in ("", "   ", "12345", "/start", "х" * 65):
        assert parents.clean_name(bad) is None


def test_consent_is_remembered_with_its_time(db: Database) -> None:
    assert parents.find(db, 5) is None
    first = parents.record_consent(db, telegram_user_id=5, chat_id=5, now=NOW)
    again = parents.record_consent(db, telegram_user_id=5, chat_id=5, now=NOW.replace(hour=9))
    assert first.consent_at == NOW and again.consent_at == NOW


def test_my_data_and_forget(db: Database) -> None:
    parents.record_consent(db, telegram_user_id=5, chat_id=5, now=NOW, language="en")
    appointment = booking.book(
        db, telegram_user_id=5, chat_id=5, topic="other", note="бележка",
        start=datetime(2026, 11, 24, 10, tzinfo=TZ), request_key="5:1", tz=TZ, now=NOW,
        name="Мария", phone="+359888123456", language="en",
    )  # fmt: skip
    state.save(db, kind="user", key="5", value={"booking": {"topic": "other"}})
    state.save(db, kind="conversation", name="booking", key="[5, 5]", value=3)
    state.save(db, kind="conversation", name="booking", key="[6, 6]", value=3)
    mine = parents.my_data(db, telegram_user_id=5)
    assert mine is not None
    assert (mine.name, mine.phone, mine.language) == ("Мария", "+359888123456", "en")
    assert mine.consent_at == NOW and [a.id for a in mine.appointments] == [appointment.id]

    cancelled = parents.forget(
        db, telegram_user_id=5, chat_id=5, now=NOW, policy=ReminderPolicy(tz=TZ)
    )
    assert cancelled == [appointment.id]
    assert parents.my_data(db, telegram_user_id=5) is None  # the parent row is gone
    with db.session() as session:
        row = session.get(Appointment, appointment.id)
        assert row is not None
        assert row.status == AppointmentStatus.cancelled_by_parent and row.note is None
        assert (row.parent_id, row.request_key) == (None, None) and row.anonymised_at == NOW
    assert state.load_all(db, kind="user") == {}
    assert list(state.load_all(db, kind="conversation", name="booking")) == ["[6, 6]"]


def test_forget_unknown_parent_is_harmless(db: Database) -> None:
    assert (
        parents.forget(db, telegram_user_id=9, chat_id=9, now=NOW, policy=ReminderPolicy(TZ)) == []
    )


def test_language_choice_is_kept_on_the_parent_row(db: Database) -> None:
    assert parents.stored_language(db, 7) is None
    parents.choose_language(db, telegram_user_id=7, chat_id=7, language="ar", now=NOW)
    assert parents.stored_language(db, 7) == "ar"
    held = parents.my_data(db, telegram_user_id=7)
    assert held is not None and held.name is None and held.consent_at is None
    parents.choose_language(db, telegram_user_id=7, chat_id=7, language="fa", now=NOW)
    with db.read() as session:
        assert parents.parent_language(session, 7) == "fa"  # what an outbox renders in


def test_language_memory_reads_once_and_knows_staff(db: Database) -> None:
    from storage import staff

    with db.session() as session:
        staff.add(session, telegram_user_id=8, name="Ива", now=NOW)
    parents.choose_language(db, telegram_user_id=9, chat_id=9, language="tr", now=NOW)
    memory = parents.LanguageMemory(db)
    assert memory.stored(8) == "bg"  # staff read Bulgarian
    assert memory.stored(9) == "tr" and memory.stored(10) is None
    parents.choose_language(db, telegram_user_id=10, chat_id=10, language="uk", now=NOW)
    assert memory.stored(10) is None  # kept until the bot says otherwise
    memory.remember(10, "uk")
    assert memory.stored(10) == "uk"
