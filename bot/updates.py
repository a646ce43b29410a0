"""Build incoming updates as the Bot API would send them (console chat and tests)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from telegram import Bot, Update

_ids = itertools.count(1)
_message_ids = itertools.count(1)


def user_dict(
    user_id: int, *, first_name: str = "Мария", language: str | None = "bg"
) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language:
        user["language_code"] = language
    return user


def chat_dict(chat_id: int, *, kind: str | None = None) -> dict[str, Any]:
    kind = kind or ("private" if chat_id > 0 else "supergroup")
    chat: dict[str, Any] = {"id": chat_id, "type": kind}
    if kind != "private":
        chat["title"] = "Екип"
    return chat


def message_dict(
    user_id: int,
    text: str | None = None,
    *,
    chat_id: int | None = None,
    language: str | None = "bg",
    **extra: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": chat_dict(chat_id if chat_id is not None else user_id),
        "from": user_dict(user_id, language=language),
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    message.update(extra)
    return message


def make_message(bot: Bot, user_id: int, text: str | None, **kw: Any) -> Update:
    return Update.de_json(
        {"update_id": next(_ids), "message": message_dict(user_id, text, **kw)}, bot
    )


def make_contact(bot: Bot, user_id: int, phone: str, *, own: bool = True, **kw: Any) -> Update:
    contact = {
        "phone_number": phone,
        "first_name": "Мария",
        "user_id": user_id if own else user_id + 1,
    }
    message = message_dict(user_id, None, contact=contact, **kw)
    return Update.de_json({"update_id": next(_ids), "message": message}, bot)


def make_callback(
    bot: Bot,
    user_id: int,
    data: str,
    *,
    message_id: int = 1,
    chat_id: int | None = None,
    message_text: str = "…",
    language: str | None = "bg",
) -> Update:
    chat = chat_id if chat_id is not None else user_id
    query = {
        "id": str(next(_ids)),
        "from": user_dict(user_id, language=language),
        "chat_instance": f"ci{chat}",
        "data": data,
        "message": {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat_dict(chat),
            "from": {"id": 7000000001, "is_bot": True, "first_name": "ЦОП бот"},
            "text": message_text,
        },
    }
    return Update.de_json({"update_id": next(_ids), "callback_query": query}, bot)
