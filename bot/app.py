"""One factory wires everything: `build_application` is used by `run`, the console and tests."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest

from admin.telegram import handlers as staff
from bot import jobs
from bot.config import Settings
from bot.context import BotContext, attach_services
from bot.errors import error_handler
from bot.flows import (
    booking,
    crisis,
    data,
    fallback,
    info,
    menu,
    my_bookings,
    referral,
    reminder_reply,
)
from bot.i18n import N_, _, pick_language, set_language
from bot.limits import telegram_rate_limiter
from bot.persistence import DatabasePersistence
from bot.routing import (
    GROUP_CONVERSATIONS,
    GROUP_CRISIS,
    GROUP_MAIN,
    split_conversations,
    watch_steps,
)
from bot.services import Services

log = logging.getLogger(__name__)

COMMANDS = (
    ("start", N_("Начало")),
    ("menu", N_("Меню")),
    ("help", N_("Помощ")),
    ("privacy", N_("Лични данни")),
)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    jobs.schedule(application)
    set_language("bg")
    try:
        await application.bot.set_my_commands([BotCommand(c, _(d)) for c, d in COMMANDS])
    except TelegramError as exc:  # a nicety: a Bot API that refuses it must not stop the bot
        log.warning("setMyCommands failed: %s", type(exc).__name__)


PASS_GATHERS_SECONDS = 0.2  # a step's state is written within about this long


class CentreApplication(Application):  # type: ignore[type-arg]
    """Writes conversation state right after every conversation step, not once a second.

    A half-finished booking then survives a kill -9 shortly after the bot answered;
    unchanged rows are skipped by the persistence, so the cost is one small write per step.
    Other updates leave the conversations as they were; PTB's own pass (every
    `update_interval`) writes whatever else changed. (`ApplicationBuilder.application_class`
    is PTB's documented way to a subclass.)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pass_queued = False  # a pass is waiting to start: later steps join it
        self._pass_lock = asyncio.Lock()  # one of our passes at a time

    async def process_update(self, update: object) -> None:
        # Speak the user's Telegram language when we have it, Bulgarian otherwise.
        user = update.effective_user if isinstance(update, Update) else None
        set_language(pick_language(user.language_code if user else None))
        step_ran = watch_steps()
        await super().process_update(update)
        if step_ran[0] and self.persistence is not None:
            self._write_through_soon()

    def _write_through_soon(self) -> None:
        """Start a persistence pass after this update; updates ending together share one.

        The answer has gone out already; the update does not wait for the write (PTB's pass
        awaits inside its lock, and with many chats at once every step would queue behind
        the passes of all the others, holding its chat and its place meanwhile). Passes run
        one at a time, so the newest state is written last. `create_task` reports a failed
        write to the error handler and is awaited when the application stops.
        """
        if not self._pass_queued:
            self._pass_queued = True
            self.create_task(self._pass_when_free(), name="persistence pass")

    async def _pass_when_free(self) -> None:
        async with self._pass_lock:
            # Steps ending meanwhile join this pass: at most a few passes a second. One per
            # step, even beside the updates, made a 500-parent day on SQLite lag by seconds.
            await asyncio.sleep(PASS_GATHERS_SECONDS)
            self._pass_queued = False  # an update ending from now on needs the next pass
            await self.update_persistence()

    async def update_persistence(self) -> None:
        """PTB hands the changed rows to our persistence; they are written in one transaction."""
        await super().update_persistence()
        if isinstance(self.persistence, DatabasePersistence):
            await self.persistence.write_through()


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    services: Services | None = None,
    rate_limiter: bool | None = None,
    persistence: bool = True,
    update_processor: BaseUpdateProcessor | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the bot; `request` swaps the Bot API transport (console, tests)."""
    services = services or Services.from_settings(settings)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token or "0:offline")
        .defaults(Defaults(tzinfo=settings.tz))
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .application_class(CentreApplication)
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
        if settings.base_file_url:
            builder = builder.base_file_url(settings.base_file_url)
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    use_limiter = settings.rate_limiter if rate_limiter is None else rate_limiter
    if use_limiter:
        builder = builder.rate_limiter(telegram_rate_limiter())
    if update_processor is not None:  # the runner's: chats in parallel, each one in order
        builder = builder.concurrent_updates(update_processor)
    if persistence:
        builder = builder.persistence(DatabasePersistence(services.db))
    application = builder.build()
    attach_services(application, services)
    register_handlers(application, services)
    return application


def register_handlers(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    # Note: order matters. Crisis words first (answer before anything else, in any
    # state), then the conversations in a group of their own, then commands and views; the
    # fallback comes last (groups: bot/routing.py).
    application.add_handlers(crisis.handlers(services.content), group=GROUP_CRISIS)
    main_handlers = [
        *staff.handlers(services.settings),  # staff commands check the role themselves
        *booking.handlers(services.settings.conversation_timeout_minutes),
        *my_bookings.handlers(),
        *data.handlers(),
        *reminder_reply.handlers(),
        *referral.handlers(),
        *info.handlers(),
        *menu.handlers(),
        *fallback.handlers(),  # must stay last: it answers whatever nobody else took
    ]
    conversations, others = split_conversations(main_handlers)
    application.add_handlers(conversations, group=GROUP_CONVERSATIONS)
    application.add_handlers(others, group=GROUP_MAIN)
    application.add_error_handler(error_handler)
