"""Typed steps ("write the reason", the parent's note, name, phone) with their deadline.

The deadline is stored with the step in the persisted user data, not only in PTB's
in-memory conversation timeout (which a restart forgets): every typed message checks it.
After the deadline the step is gone and the text is handled as ordinary text (processed
again, outside the conversation), so days later an unrelated message cannot become a
decline reason or a booking note.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.background import run_later
from bot.context import BotContext

UNTIL = "until"


def open_until(step: MutableMapping[str, Any], now: datetime, ttl: timedelta) -> None:
    """Store when the step stops accepting text."""
    step[UNTIL] = (now + ttl).isoformat()


def expired(step: MutableMapping[str, Any] | None, now: datetime) -> bool:
    """No step, no deadline (a step stored before deadlines were) or past it: gone."""
    if not step or not step.get(UNTIL):
        return True
    try:
        until = datetime.fromisoformat(str(step[UNTIL]))
    except ValueError:
        return True
    return now >= until


def as_ordinary_text(update: Update, context: BotContext) -> None:
    """Handle the update again once the conversation has ended (this callback returns END)."""
    application = context.application
    run_later(application, application.process_update(update))


Callback = Callable[[Update, BotContext], Awaitable[Any]]


def until_deadline(
    step_of: Callable[[BotContext], MutableMapping[str, Any] | None],
    forget: Callable[[BotContext], None],
    callback: Callback,
) -> Callback:
    """Wrap a typed step's handler: past the step's deadline, end and treat as ordinary.

    A step without any data is left to the handler (it says the booking was lost)."""

    async def checked(update: Update, context: BotContext) -> Any:
        step = step_of(context)
        if step and expired(step, context.services.now()):
            forget(context)
            as_ordinary_text(update, context)
            return ConversationHandler.END
        return await callback(update, context)

    checked.__doc__ = callback.__doc__
    checked.__name__ = getattr(callback, "__name__", "checked")
    return checked
