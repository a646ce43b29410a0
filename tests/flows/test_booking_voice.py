"""The small things a parent notices in booking: wording, a long note, leaving, going back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from admin import hours as hours_service
from bot.services import Services
from tests.chat import Chat
from tests.flows.test_my_bookings import book

# Monday 23 November 2026, 08:00 in Sofia.
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def to_summary(chat: Chat, note: str | None = None) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    if note is None:
        await chat.tap("book:skip")
    else:
        await chat.send(note)
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("Мария")
    await chat.send("0888 123 456")


def labels(chat: Chat) -> list[str]:
    return [label for label, _ in chat.buttons()]


async def test_buttons_speak_for_the_parent(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    assert "Пропускам" in labels(chat) and "✖️ Отменям" in labels(chat)
    await chat.tap("book:skip")
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("Мария")
    await chat.send("0888 123 456")
    assert labels(chat) == ["✅ Потвърждавам", "✏️ Промяна", "✖️ Отменям"]
    await chat.press("Потвърждавам")
    assert "Заявката Ви е изпратена" in chat.reply_texts()
    assert "запазен" not in chat.reply_texts()


async def test_a_long_note_is_cut_at_a_word_and_the_parent_is_told(chat: Chat) -> None:
    note = "Синът ми има трудности с ученето и " * 20
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    await chat.send(note)
    assert "Бележката е дълга" in chat.reply_texts()
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("Мария")
    await chat.send("0888 123 456")
    kept = next(line for line in chat.last_text().splitlines() if line.startswith("Бележка:"))
    assert kept.endswith("…") and not kept.endswith(" …")
    assert kept.removeprefix("Бележка: ").removesuffix("…").split()[-1] in note.split()


async def test_a_menu_button_at_the_summary_asks_first(chat: Chat, services: Services) -> None:
    await to_summary(chat)
    await chat.send("📋 Услуги")
    assert "Заявката Ви още не е изпратена" in chat.last_text()
    assert "book:confirm" in chat.callback_data("book:")
    await chat.tap("book:back")
    assert "Моля, проверете" in chat.last_text()
    await chat.send("📋 Услуги")
    await chat.tap("book:confirm")
    assert "Заявката Ви е изпратена" in chat.reply_texts()


async def test_the_emergency_button_stays_during_the_phone_step(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("Мария")
    keyboard = chat.last().params["reply_markup"]["keyboard"]
    assert any(b["text"] == "🆘 Спешна помощ" for row in keyboard for b in row)
    await chat.send("🆘 Спешна помощ")
    assert chat.last_text().startswith("🆘")
    await chat.send("0888 123 456")
    assert "Моля, проверете" in chat.last_text()  # the step went on


async def test_back_from_a_change_returns_to_the_change_menu(chat: Chat) -> None:
    await to_summary(chat)
    await chat.tap("book:change")
    await chat.tap("book:chg:phone")
    await chat.tap("book:back")
    assert "Какво да променим" in chat.last_text()
    await chat.tap("book:back")
    assert "0888 123 456" in chat.last_text()  # the phone the parent had is kept


async def test_a_day_closed_meanwhile_is_not_called_taken(chat: Chat, services: Services) -> None:
    await to_summary(chat)
    hours_service.close_day_cli(services.db, date(2026, 11, 24), "обучение", services.settings.tz)
    await chat.tap("book:confirm")
    assert "вече не може да се запази" in chat.last_text()
    assert "зает" not in chat.last_text()


async def test_cancel_during_a_move_keeps_the_appointment(chat: Chat, services: Services) -> None:
    appointment_id = book(services, chat.user_id)
    await chat.send("🗓 Моите часове")
    await chat.tap(f"my:move:{appointment_id}")
    await chat.send("/cancel")
    assert "часът остава непроменен" in chat.last_text()
    await chat.send("/cancel")
    assert "Няма започнато действие" in chat.last_text()
