"""/mydata shows what is stored; /forget erases it after a confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from bot.services import Services
from storage import booking, parents, state
from storage.models import Appointment
from tests.chat import Chat

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Sofia


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book_with_contact(services: Services, user: int) -> int:
    parents.record_consent(services.db, telegram_user_id=user, chat_id=user, now=NOW)
    appointment = booking.book(
        services.db, telegram_user_id=user, chat_id=user, topic="consulting", note=None,
        start=datetime(2026, 11, 24, 8, tzinfo=UTC), request_key="k", tz=services.settings.tz,
        now=NOW, name="Мария", phone="+359888123456",
    )  # fmt: skip
    assert appointment.id is not None
    return appointment.id


async def test_mydata_without_data(chat: Chat) -> None:
    await chat.send("/mydata")
    assert "Не пазим лични данни" in chat.last_text()


async def test_mydata_shows_what_is_stored(chat: Chat, services: Services) -> None:
    book_with_contact(services, chat.user_id)
    await chat.send("/mydata")
    text = chat.last_text()
    assert "Мария" in text and "0888 123 456" in text
    assert "23.11.2026" in text and "08:00 ч." in text  # consent time, on the centre clock
    assert "Български" in text and "вторник, 24 ноември, 10:00 ч." in text


async def test_mydata_shows_the_note_we_keep(chat: Chat, services: Services) -> None:
    """The booking note is stored (and erased by /forget), so /mydata lists it too."""
    booking.book(
        services.db, telegram_user_id=chat.user_id, chat_id=chat.user_id, topic="consulting",
        note="Съвет за училище", start=datetime(2026, 11, 24, 8, tzinfo=UTC), request_key="n",
        tz=services.settings.tz, now=NOW,
    )  # fmt: skip
    await chat.send("/mydata")
    assert "Бележка: Съвет за училище" in chat.last_text()


async def test_forget_after_confirmation(chat: Chat, services: Services) -> None:
    appointment_id = book_with_contact(services, chat.user_id)
    await chat.send("/forget")
    assert "Да изтрием ли" in chat.last_text()
    await chat.tap("data:forget:no")
    assert parents.find(services.db, chat.user_id).phone is not None  # type: ignore[union-attr]
    await chat.send("/forget")
    await chat.tap("data:forget:yes")
    assert "Изтрихме" in chat.reply_texts() and "Отменихме 1 предстоящ час" in chat.reply_texts()
    stored = parents.find(services.db, chat.user_id)
    assert stored is None  # the parent row is gone: a later booking starts afresh
    with services.db.session() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None and row.status == "cancelled_by_parent"
    await chat.send("/mydata")
    assert "Мария" not in chat.last_text()
    assert state.load_all(services.db, kind="user").get(str(chat.user_id)) is None


async def test_forget_in_the_middle_of_booking(chat: Chat, services: Services) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("/forget")
    await chat.tap("data:forget:yes")
    await chat.send("Мария")  # the booking's data is gone: start again, nothing stored
    assert "започнете отново" in chat.last_text()
    stored = parents.find(services.db, chat.user_id)
    assert stored is None
