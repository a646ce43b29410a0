"""CentreBot drops the keyboards Telegram echoes back and fills defaults as PTB does."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    ForceReply,
    InputMediaPhoto,
    InputPollOption,
    LinkPreviewOptions,
    MessageEntity,
)
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.ext import Defaults, ExtBot

from bot import ui
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


def _filled(bot: ExtBot[Any], data: dict[str, object]) -> dict[str, object]:
    copied = dict(data)
    bot._insert_defaults(copied)
    return copied


def test_defaults_are_filled_as_ptb_fills_them() -> None:
    sofia = ZoneInfo("Europe/Sofia")
    ours = CentreBot("1:T", defaults=Defaults(tzinfo=sofia))
    theirs = ExtBot("1:T", defaults=Defaults(tzinfo=sofia))
    when = datetime(2026, 12, 3, 14, 30)
    cases: list[dict[str, object]] = [
        {"chat_id": 1, "text": "Т", "parse_mode": DEFAULT_NONE, "disable_notification": None},
        {"chat_id": 1, "until_date": when, "reply_markup": ui.main_menu()},
        {"chat_id": 1, "link_preview_options": LinkPreviewOptions(is_disabled=True)},
        {"chat_id": 1, "entities": [MessageEntity("bold", 0, 1)], "reply_markup": ForceReply()},
        # media and poll options go to PTB's own filling
        {"chat_id": 1, "media": [InputMediaPhoto("file-id")]},
        {"chat_id": 1, "options": [InputPollOption("Да")], "question_parse_mode": DEFAULT_NONE},
    ]
    for data in cases:
        assert _filled(ours, data) == _filled(theirs, data)
    # Defaults with API values (a parse mode): PTB's filling throughout.
    html = CentreBot("1:T", defaults=Defaults(parse_mode="HTML", tzinfo=sofia))
    assert _filled(html, cases[0])["parse_mode"] == "HTML"
