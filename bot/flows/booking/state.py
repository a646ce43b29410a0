"""The booking conversation's states and its scratch space in user_data (JSON only)."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.context import BotContext

NAME = "booking"
TOPIC, NOTE, DAY, TIME, CONSENT, ASK_NAME, ASK_PHONE, SUMMARY, CHANGE = range(9)
NOTE_MAX = 300


def data(context: BotContext) -> dict[str, Any]:
    """This conversation's JSON-able scratch space in user_data."""
    assert context.user_data is not None
    return context.user_data.setdefault("booking", {})  # type: ignore[no-any-return]


def clear(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop("booking", None)


def complete(d: dict[str, Any]) -> bool:
    return all(d.get(k) for k in ("topic", "start", "name", "phone"))


def callback_arg(update: Update) -> str:
    query = update.callback_query
    raw = query.data if query is not None and isinstance(query.data, str) else ""
    return raw.rsplit(":", 1)[-1]
