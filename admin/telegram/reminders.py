"""The PTB side of reminders: send through the Bot API, map its errors, tell staff.

`admin.reminders` decides; this module only turns `telegram.error` exceptions into
`SendOutcome`s and staff announcements into `notify` calls.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
import warnings
from datetime import timedelta
from functools import cache

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from admin import reminders
from admin.reminders import DispatchReport, Outcome, Report, Send, SendOutcome
from admin.telegram.notify import announce_parent_change
from bot.i18n import _
from bot.services import Services

log = logging.getLogger(__name__)

Buttons = list[list[tuple[str, str]]]


@cache
def worker_id() -> str:
    """Unique per process: host, pid and a random part (pids repeat across restarts)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # int vs timedelta deprecation in PTB 22
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def outcome_of(exc: TelegramError) -> SendOutcome:
    """Map a Bot API failure to an outcome; the order matters (BadRequest is a NetworkError)."""
    if isinstance(exc, RetryAfter):
        return SendOutcome(Outcome.retry_after, retry_after=_retry_seconds(exc), error="429")
    if isinstance(exc, Forbidden):
        return SendOutcome(Outcome.blocked, error="403")
    if isinstance(exc, BadRequest | ChatMigrated | InvalidToken):
        return SendOutcome(Outcome.permanent, error=type(exc).__name__)
    if isinstance(exc, TimedOut):
        return SendOutcome(Outcome.transient, error="TimedOut")
    if isinstance(exc, NetworkError):
        return SendOutcome(Outcome.transient, error="NetworkError")
    return SendOutcome(Outcome.transient, error=type(exc).__name__)


def reminder_buttons(appointment_id: int) -> Buttons:
    """The parent's two answers under a reminder (bot/flows/reminder_reply.py takes them)."""
    return [
        [
            (_("Ще дойда"), f"rem:yes:{appointment_id}"),
            (_("Не мога да дойда"), f"rem:no:{appointment_id}"),
        ]
    ]


def markup(buttons: Buttons) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in buttons]
    )


def make_send(bot: Bot) -> Send:
    """A `send` for the dispatcher over `bot.send_message` (rate limited by the Application)."""

    async def send(chat_id: int, text: str, appointment_id: int) -> SendOutcome:
        buttons = markup(reminder_buttons(appointment_id))
        try:
            message = await bot.send_message(
                chat_id, text, reply_markup=buttons, disable_web_page_preview=True
            )
        except TelegramError as exc:
            return outcome_of(exc)
        return SendOutcome.ok(message.message_id)

    return send


def make_reporters(bot: Bot, services: Services) -> tuple[Report, Report]:
    """Staff announcements: (parent unreachable, reminder failed)."""

    async def unreachable(appointment_id: int) -> None:
        await announce_parent_change(bot, services, appointment_id, reminders.CHANGE_UNREACHABLE)

    async def failed(appointment_id: int) -> None:
        await announce_parent_change(
            bot, services, appointment_id, reminders.CHANGE_REMINDER_FAILED
        )

    return unreachable, failed


async def dispatch(
    bot: Bot, services: Services, *, ids: list[int] | None = None, batch: int = 100
) -> DispatchReport:
    """One dispatcher run through `bot` (used by the job and by `send_now`)."""
    unreachable, failed = make_reporters(bot, services)
    return await reminders.dispatch_due(
        services,
        make_send(bot),
        worker_id=worker_id(),
        batch=batch,
        ids=ids,
        report_unreachable=unreachable,
        report_failed=failed,
    )


async def send_now(bot: Bot, services: Services, appointment_id: int, actor: str) -> bool:
    """Staff's "send reminder now": True when the parent got it."""
    reminder_id = reminders.add_manual(
        services.db, appointment_id, actor=actor, now=services.now()
    )
    if reminder_id is None:
        return False
    report = await dispatch(bot, services, ids=[reminder_id], batch=1)
    return reminder_id in report.sent_ids
