"""CentreBot drops the keyboards Telegram echoes back; everything else is PTB's."""

from __future__ import annotations

from typing import Any

from bot.bot_api import CentreBot, drop_echoed_keyboards
from tests.chat import Chat

KEYBOARD = {"inline_keyboard": [[{"text": "Да", "callback_data": "x"}]]}


def _message() -> dict[str, Any]:
    return {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 1, "type": "private"},
        "text": "Т",
        "reply_markup": dict(KEYBOARD),
    }


def test_answers_to_send_and_edit_lose_the_keyboard_only() -> None:
    for method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
        result = _message()
        drop_echoed_keyboards(method, result)
        assert "reply_markup" not in result and result["text"] == "Т"


def test_button_presses_in_get_updates_lose_the_keyboard_of_their_message() -> None:
    press = {"update_id": 1, "callback_query": {"id": "q", "data": "x", "message": _message()}}
    text = {"update_id": 2, "message": _message()}  # a user's own message: left as it is
    drop_echoed_keyboards("getUpdates", [press, text])
    assert "reply_markup" not in press["callback_query"]["message"]
    assert press["callback_query"]["data"] == "x"
    assert "reply_markup" in text["message"]


def test_other_methods_and_odd_answers_are_left_alone() -> None:
    result = _message()
    drop_echoed_keyboards("sendDocument", result)
    assert "reply_markup" in result
    drop_echoed_keyboards("sendMessage", True)
    drop_echoed_keyboards("getUpdates", [None, {"update_id": 3, "callback_query": None}])


async def test_the_application_talks_through_centre_bot(chat: Chat) -> None:
    assert isinstance(chat.app.bot, CentreBot)
    await chat.send("/start")
    assert chat.last_text()
