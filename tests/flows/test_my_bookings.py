"""Моите часове: list, cancel with a confirmation, move atomically, forged buttons refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from bot.services import Services
from storage import booking
from storage.models import Appointment
from tests.chat import Chat

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Sofia
TUE_10 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 10:00 in Sofia


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(services: Services, user: int, start: datetime = TUE_10) -> int:
    appointment = booking.book(
        services.db, telegram_user_id=user, chat_id=user, topic="consulting", note=None,
        start=start, request_key=f"{user}:{start.timestamp()}", tz=services.settings.tz, now=NOW,
    )  # fmt: skip
    assert appointment.id is not None
    return appointment.id


def status(services: Services, appointment_id: int) -> Appointment:
    with services.db.session() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None
        return row


async def test_empty_list_offers_booking(chat: Chat) -> None:
    await chat.send("🗓 Моите часове")
    assert "Нямате предстоящи часове" in chat.last_text()
    assert "book:start" in chat.callback_data()


async def test_list_and_cancel_with_confirmation(chat: Chat, services: Services) -> None:
    appointment_id = book(services, chat.user_id)
    await chat.send("/mybookings")
    assert "утре, вторник, 24 ноември, 10:00 ч." in chat.last_text()
    assert "⏳ чака потвърждение" in chat.last_text()
    await chat.tap(f"my:cancel:{appointment_id}")
    assert chat.last_text() == "Да отменим ли часа утре, вторник, 24 ноември, в 10:00 ч.?"
    assert status(services, appointment_id).status == "pending"
    await chat.tap(f"my:cancelok:{appointment_id}")
    assert "е отменен" in chat.last_text()
    assert status(services, appointment_id).status == "cancelled_by_parent"
    # Pressing the old confirmation again: no second cancel, a clear answer.
    await chat.tap(f"my:cancelok:{appointment_id}")
    assert "вече не е активен" in chat.last_text()


async def test_move_to_another_free_slot(chat: Chat, services: Services) -> None:
    appointment_id = book(services, chat.user_id)
    await chat.send("🗓 Моите часове")
    await chat.tap(f"my:move:{appointment_id}")
    assert "Изберете нов ден" in chat.last_text()
    await chat.tap(f"my:mday:{appointment_id}:2026-11-25")
    await chat.press("11:00")
    assert "Да преместим ли" in chat.last_text()
    await chat.press("Да, преместете")
    assert "Часът Ви е преместен: сряда, 25 ноември, 11:00 ч." in chat.last_text()
    moved = status(services, appointment_id)
    assert moved.status == "pending"
    assert moved.start == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    book(services, 4242)  # the old place is free again


async def test_move_into_a_slot_taken_meanwhile(chat: Chat, services: Services) -> None:
    appointment_id = book(services, chat.user_id)
    await chat.tap(f"my:move:{appointment_id}")
    await chat.tap(f"my:mday:{appointment_id}:2026-11-25")
    await chat.press("11:00")
    book(services, 4343, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    await chat.press("Да, преместете")
    assert "беше зает" in chat.last_text()
    assert status(services, appointment_id).start == TUE_10


async def test_forged_buttons_are_refused(chat: Chat, services: Services) -> None:
    someone_else = book(services, 777)
    for data in (f"my:cancelok:{someone_else}", f"my:mok:{someone_else}:1795500000"):
        await chat.tap(data)
        assert "Не намерих този час сред Вашите" in chat.last_text()
    assert status(services, someone_else).status == "pending"
    await chat.tap("my:cancel:999999")
    assert "Не намерих този час" in chat.last_text()


async def test_move_texts_end_the_time_with_one_full_stop(chat: Chat, services: Services) -> None:
    """ "10:00 ч." already ends in a full stop: no "ч.." in the move texts."""
    appointment_id = book(services, chat.user_id)
    await chat.tap(f"my:move:{appointment_id}")
    assert "Сега: утре, вторник, 24 ноември, 10:00 ч. Изберете нов ден" in chat.last_text()
    await chat.tap(f"my:mday:{appointment_id}:2026-11-25")
    await chat.press("11:00")
    await chat.press("Да, преместете")
    assert "Часът Ви е преместен: сряда, 25 ноември, 11:00 ч. Центърът" in chat.last_text()
    assert not any("ч.." in c.text for c in chat.visible())
