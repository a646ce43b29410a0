"""Handler groups: crisis first, then the conversations, then everything else in order."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import ApplicationHandlerStop, CommandHandler, ConversationHandler

from bot.flows import ask, booking
from bot.routing import (
    GROUP_CONVERSATIONS,
    GROUP_CRISIS,
    GROUP_MAIN,
    answered,
    split_conversations,
)
from tests.chat import Chat


async def _noop(update: object, context: object) -> None:
    return None


def test_the_groups_run_crisis_conversations_then_the_rest(app: Any) -> None:
    assert sorted(app.handlers) == [GROUP_CRISIS, GROUP_CONVERSATIONS, GROUP_MAIN]
    conversations = app.handlers[GROUP_CONVERSATIONS]
    assert conversations and all(isinstance(h, ConversationHandler) for h in conversations)
    assert [h.name for h in conversations] == [
        "staff_input",
        booking.NAME,
        "waitlist",
        "survey",
        ask.NAME,
    ]
    assert not any(isinstance(h, ConversationHandler) for h in app.handlers[GROUP_MAIN])


def test_split_keeps_the_order_of_each_part() -> None:
    conversation = booking.handlers()[0]
    first, second = CommandHandler("x", _noop), CommandHandler("y", _noop)
    assert split_conversations([first, conversation, second]) == (
        [conversation],
        [first, second],
    )


async def test_an_answered_step_stops_the_later_groups_with_its_new_state() -> None:
    async def step(update: object, context: object) -> int:
        return 3

    with pytest.raises(ApplicationHandlerStop) as stopped:
        await answered(step)(None, None)
    assert stopped.value.state == 3
    assert answered(step).__name__ == "step"


async def test_a_booking_step_is_answered_once(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    before = len(chat.fake.calls)
    await chat.send("kude se namirate")  # the note, not a question for the FAQ
    sent = [c for c in chat.fake.calls[before:] if c.method in ("sendMessage", "editMessageText")]
    assert len(sent) == 1, [c.text for c in sent]


async def test_a_menu_button_ends_the_booking_and_the_menu_answers_it(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.send("☎️ Контакти")
    contacts = chat.last_text()
    await chat.tap("book:topic:consulting")  # the booking has ended: an old button now
    assert "Този бутон" in chat.reply_texts() or "Започнете отново" in chat.reply_texts()
    await chat.send("☎️ Контакти")
    assert chat.last_text() == contacts
