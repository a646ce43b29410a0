"""The transport drops the keyboards Telegram echoes back, and only those."""

from __future__ import annotations

import json
from typing import Any

from bot.transport import EchoTrimmingRequest, drop_echoed_keyboards
from bot.ui import inline, markup_kwargs
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


def test_a_sent_or_edited_message_loses_its_keyboard_only() -> None:
    answer = {"ok": True, "result": _message()}
    drop_echoed_keyboards(answer)
    assert "reply_markup" not in answer["result"] and answer["result"]["text"] == "Т"


def test_button_presses_in_get_updates_lose_the_keyboard_of_their_message() -> None:
    press = {"update_id": 1, "callback_query": {"id": "q", "data": "x", "message": _message()}}
    text = {"update_id": 2, "message": _message()}  # a user's own message: left as it is
    drop_echoed_keyboards({"ok": True, "result": [press, text]})
    assert "reply_markup" not in press["callback_query"]["message"]
    assert press["callback_query"]["data"] == "x"
    assert "reply_markup" in text["message"]


def test_odd_answers_are_left_alone() -> None:
    for answer in (True, {"ok": True, "result": True}, {"ok": False}, None):
        drop_echoed_keyboards(answer)
    drop_echoed_keyboards({"ok": True, "result": [None, {"update_id": 3, "callback_query": None}]})
    me = {"ok": True, "result": {"id": 7, "is_bot": True, "first_name": "ЦОП бот"}}
    drop_echoed_keyboards(me)
    assert me["result"]["first_name"] == "ЦОП бот"


def test_the_hook_is_ptbs_parse_json_payload() -> None:
    payload = json.dumps({"ok": True, "result": _message()}).encode()
    assert "reply_markup" not in EchoTrimmingRequest.parse_json_payload(payload)["result"]


def test_a_keyboard_is_sent_as_the_json_ptb_would_send() -> None:
    markup = inline([[("Да", "x")]])
    kwargs = markup_kwargs(markup)
    assert kwargs is not None and json.loads(kwargs["reply_markup"]) == markup.to_dict()
    assert markup_kwargs(markup) is not None and markup_kwargs(None) is None


async def test_views_arrive_with_their_buttons(chat: Chat) -> None:
    await chat.send("ℹ️ За центъра")
    await chat.tap("info:team")
    assert chat.last().method == "editMessageText" and chat.buttons()
