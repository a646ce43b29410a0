"""The PTB side of the outbox: one Bot API call per row, Telegram's errors as outcomes.

`admin.outbox` decides what to send and what a failure means; this module only calls
`send_message` / `send_document` / `edit_message_text` (rate limited by the Application)
and turns `telegram.error` exceptions into `SendOutcome`s. `Waker` runs the dispatcher
right after a commit that enqueued rows, beside the update that made them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
import warnings
import weakref
from datetime import timedelta
from functools import cache
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
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
from telegram.ext import Application

from admin import outbox, reminders
from admin.outbox import Deliver, Delivery, DispatchReport, Outcome, SendOutcome
from bot.background import run_later
from bot.services import Services
from storage import outbox as outbox_repo
from storage.outbox import Buttons

log = logging.getLogger(__name__)


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


def markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in buttons]
    )


def make_deliver(bot: Bot) -> Deliver:
    """A `deliver` for the dispatcher over the bot (rate limited by the Application)."""

    async def deliver(item: Delivery) -> SendOutcome:
        keyboard = markup(item.buttons)
        try:
            if item.edit_message_id is not None:
                try:
                    await bot.edit_message_text(
                        item.text,
                        chat_id=item.chat_id,
                        message_id=item.edit_message_id,
                        reply_markup=keyboard,
                        disable_web_page_preview=True,
                    )
                except BadRequest as exc:
                    if "not modified" not in str(exc).lower():
                        raise
                return SendOutcome.ok(item.edit_message_id)
            reply = (
                ReplyParameters(
                    message_id=item.reply_to_message_id, allow_sending_without_reply=True
                )
                if item.reply_to_message_id is not None
                else None
            )
            if item.file_id is not None:
                send = bot.send_photo if item.file_kind == "photo" else bot.send_document
                message = await send(
                    item.chat_id,
                    item.file_id,
                    caption=item.text or None,
                    reply_markup=keyboard,
                    reply_parameters=reply,
                )
            elif item.document is not None:
                message = await bot.send_document(
                    item.chat_id,
                    document=item.document,
                    filename=item.document_name,
                    caption=item.text or None,
                    reply_markup=keyboard,
                    reply_parameters=reply,
                )
            else:
                message = await bot.send_message(
                    item.chat_id,
                    item.text,
                    reply_markup=keyboard,
                    reply_parameters=reply,
                    disable_web_page_preview=True,
                )
        except TelegramError as exc:
            return outcome_of(exc)
        return SendOutcome.ok(message.message_id)

    return deliver


async def dispatch(
    bot: Bot,
    services: Services,
    *,
    ids: list[int] | None = None,
    batch: int = 100,
    kinds: tuple[str, ...] | None = None,
) -> DispatchReport:
    """One dispatcher run through `bot` (used by the job, the waker and `send_now`)."""
    return await outbox.dispatch_due(
        services, make_deliver(bot), worker_id=worker_id(), batch=batch, ids=ids, kinds=kinds
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


class Waker:
    """Dispatch right after a commit that enqueued rows (a restart still finds them: the tick).

    Runs beside the update (`bot.background.run_later`, awaited by `settle()` in tests and
    the console); while a run is going, further wake-ups fold into one more run.
    """

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.application = weakref.ref(application)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.running = False
        self.again = False
        self.stop_listening = outbox_repo.add_waker(self.wake)

    def open(self) -> None:
        """Start listening on this event loop (the Application's `initialize`)."""
        self.loop = asyncio.get_running_loop()

    def close(self) -> None:
        self.loop = None
        self.stop_listening()

    def wake(self) -> None:
        """Called from `storage.outbox` after the commit, in whatever thread committed."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._schedule()
        else:
            loop.call_soon_threadsafe(self._schedule)

    def _schedule(self) -> None:
        if self.running:
            self.again = True
            return
        application = self.application()
        if application is None or self.loop is None:
            return
        self.running = True
        run_later(application, self._run(application))

    async def _run(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        try:
            while True:
                self.again = False
                services = application.bot_data.get("services")
                if not isinstance(services, Services):
                    return
                await dispatch(application.bot, services)
                if not self.again:
                    return
        except Exception as exc:  # the tick retries; never break the update beside it
            log.error("outbox run failed: %s", type(exc).__name__)
        finally:
            self.running = False
