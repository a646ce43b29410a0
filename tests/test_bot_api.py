"""CentreBot drops the keyboards Telegram echoes back, builds echoed messages and fills
defaults as PTB does."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from telegram import (
    Bot,
    ForceReply,
    InputMediaPhoto,
    InputPollOption,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    TelegramObject,
)
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram.ext import Defaults, ExtBot

from bot import ui
from bot.bot_api import CentreBot, _blank, drop_echoed_keyboards, echoed_message
from bot.fakeapi import BOT_USER, FakeBotAPI
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


SOFIA = ZoneInfo("Europe/Sofia")
ECHOES: list[dict[str, Any]] = [
    {"message_id": 7, "date": 1796300000, "chat": {"id": 5, "type": "private"}, "text": "Т"},
    {
        "message_id": 8,
        "date": 1796300000,
        "chat": {"id": 5, "type": "private", "first_name": "Мария", "username": "maria"},
        "from": dict(BOT_USER),
        "text": "Здравейте: cop@example.bg",
        "entities": [{"type": "email", "offset": 11, "length": 14}],
        "link_preview_options": {"is_disabled": True},
    },
    {
        "message_id": 9,
        "date": 1796300000,
        "edit_date": 1796300060,
        "chat": {"id": -100500, "type": "supergroup", "title": "Екип"},
        "from": dict(BOT_USER),
        "text": "Нов час",
    },
    # anything else: PTB's own parser
    {"message_id": 10, "date": 1796300000, "chat": {"id": 5, "type": "private"}, "caption": "К"},
    {"message_id": 11, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "Т"},
]


def _same(ours: object, theirs: object) -> bool:
    if isinstance(theirs, Bot):
        return ours is theirs
    if isinstance(theirs, TelegramObject):
        return type(ours) is type(theirs) and ours.to_dict() == theirs.to_dict()  # type: ignore[attr-defined]
    if isinstance(theirs, tuple):
        return (
            isinstance(ours, tuple) and all(map(_same, ours, theirs)) and len(ours) == len(theirs)
        )
    if isinstance(theirs, datetime):
        return ours == theirs and ours.tzinfo == theirs.tzinfo  # type: ignore[attr-defined]
    return bool(ours == theirs)


def test_echoed_messages_are_built_as_ptb_builds_them() -> None:
    bot = CentreBot("1:T", defaults=Defaults(tzinfo=SOFIA))
    for data in ECHOES:
        theirs = Message.de_json(json.loads(json.dumps(data)), bot)
        ours = echoed_message(json.loads(json.dumps(data)), bot)
        for name, _ in _blank():
            assert _same(getattr(ours, name), getattr(theirs, name)), (data["message_id"], name)
        assert ours == theirs and ours.to_dict() == theirs.to_dict()
        assert ours.get_bot() is bot and ours.chat.get_bot() is bot
        try:
            ours.text = "changed"  # type: ignore[misc]
        except AttributeError:
            pass
        else:
            raise AssertionError("an echoed message must be frozen like PTB's")


class _Answers(FakeBotAPI):
    """The offline Bot API answering each call with the next scripted result."""

    def __init__(self, *results: object) -> None:
        super().__init__()
        self.results = list(results)

    def _result_for(self, method: str, params: dict[str, Any]) -> Any:
        return BOT_USER if method == "getMe" else self.results.pop(0)


async def test_sending_and_editing_return_the_echoed_message() -> None:
    sent = dict(ECHOES[1], reply_markup=KEYBOARD)
    request = _Answers(sent, dict(ECHOES[2]), True, dict(ECHOES[3]))
    bot = CentreBot("1:T", defaults=Defaults(tzinfo=SOFIA), request=request)
    async with bot:
        message = await bot.send_message(5, "Здравейте")
        assert isinstance(message, Message) and message.message_id == 8
        assert message.reply_markup is None  # our own keyboard is not read back
        assert message.date.tzinfo == SOFIA
        edited = await bot.edit_message_text("Нов час", chat_id=-100500, message_id=9)
        assert edited.edit_date is not None and edited.chat.title == "Екип"
        # an inline message edited: Telegram answers True, and so does the bot
        assert await bot.edit_message_text("Т", inline_message_id="abc") is True
        assert (await bot.send_message(5, "К")).caption == "К"
