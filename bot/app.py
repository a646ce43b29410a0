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
from telegram.request import BaseRequest, HTTPXRequest

from admin.telegram import handlers as staff
from admin.telegram.outbox import Waker
from bot import jobs
from bot.background import run_later
from bot.centre_bot import CentreBot
from bot.config import Settings
from bot.context import SERVICES_KEY, BotContext, attach_services
from bot.errors import error_handler
from bot.flows import (
    ask,
    booking,
    crisis,
    data,
    fallback,
    info,
    language,
    menu,
    my_bookings,
    referral,
    reminder_reply,
    survey,
)
from bot.flows import waitlist as waitlist_flow
from bot.i18n import N_, SUPPORTED_LANGUAGES, _, pick_language, set_language, speaking
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
from storage import public_holidays
from storage.clock import utcnow

log = logging.getLogger(__name__)

STATE_RETRY_DELAYS = (0.5, 2.0, 10.0)  # seconds; then the next update's write takes them

COMMANDS = (
    ("start", N_("Начало")),
    ("menu", N_("Меню")),
    ("help", N_("Помощ")),
    ("privacy", N_("Лични данни")),
    ("language", N_("🌐 Език / Language")),
)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    jobs.schedule(application)
    set_language("bg")
    # This year's and next year's public holidays now, so no parent's list of days waits
    # for the child process that works them out (storage/public_holidays.py).
    year = utcnow().year
    await asyncio.to_thread(public_holidays.warm, (year, year + 1))
    try:
        await application.bot.set_my_commands([BotCommand(c, _(d)) for c, d in COMMANDS])
        for code in SUPPORTED_LANGUAGES[1:]:  # each Telegram language sees its own words
            with speaking(code):
                commands = [BotCommand(c, _(d)) for c, d in COMMANDS]
            await application.bot.set_my_commands(commands, language_code=code)
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

    outbox_waker: Waker | None = None

    async def initialize(self) -> None:
        await super().initialize()
        if self.outbox_waker is None:
            self.outbox_waker = Waker(self)
        self.outbox_waker.open()

    async def shutdown(self) -> None:
        if self.outbox_waker is not None:
            self.outbox_waker.close()
            self.outbox_waker = None
        await super().shutdown()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pass_queued = False  # a pass is waiting to start: later steps join it
        self._pass_lock = asyncio.Lock()  # one of our passes at a time
        self._passes: set[asyncio.Task[Any]] = set()

    async def process_update(self, update: object) -> None:
        # The language the parent chose (or staff's Bulgarian), else their Telegram language.
        user = update.effective_user if isinstance(update, Update) else None
        chat = update.effective_chat if isinstance(update, Update) else None
        if user is None or (chat is not None and chat.type != chat.PRIVATE):
            set_language(pick_language(None))  # groups: the staff chat reads Bulgarian
        else:
            services: Services = self.bot_data[SERVICES_KEY]
            set_language(services.language_for(user.id, user.language_code))
        step_ran = watch_steps()
        await super().process_update(update)
        if step_ran[0] and self.persistence is not None:
            self._write_through_soon()

    def _write_through_soon(self) -> None:
        """Start a persistence pass after this update; updates ending together share one.

        The answer has gone out already; the update does not wait for the write (PTB's pass
        awaits inside its lock, and with many chats at once every step would queue behind
        the passes of all the others, holding its chat and its place meanwhile). Passes run
        one at a time, so the newest state is written last. A failed write is logged and
        retried, never the user's: the update itself succeeded.
        """
        if not self._pass_queued:
            self._pass_queued = True
            if self.running:  # PTB awaits it when the application stops
                task = self.create_task(self._pass_when_free(), name="persistence pass")
            else:
                task = run_later(self, self._pass_when_free())
            self._passes.add(task)
            task.add_done_callback(self._passes.discard)

    async def state_written(self) -> None:
        """Wait for the passes under way (tests, and a clean stop read the state after it)."""
        while self._passes:
            await asyncio.gather(*tuple(self._passes), return_exceptions=True)

    async def _pass_when_free(self) -> None:
        async with self._pass_lock:
            # Steps ending meanwhile join this pass: at most a few passes a second. One per
            # step, even beside the updates, made a 500-parent day on SQLite lag by seconds.
            await asyncio.sleep(PASS_GATHERS_SECONDS)
            self._pass_queued = False  # an update ending from now on needs the next pass
            try:
                await self.update_persistence()
            except Exception as exc:
                log.warning("conversation state not written (%s): retried", type(exc).__name__)
                run_later(self, self.retry_state_write())

    async def retry_state_write(self) -> None:
        for delay in STATE_RETRY_DELAYS:
            await asyncio.sleep(delay)
            try:
                await self.update_persistence()
                return
            except Exception as exc:
                log.warning("conversation state still not written: %s", type(exc).__name__)

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
    use_limiter = settings.rate_limiter if rate_limiter is None else rate_limiter
    # The bot is built here rather than by the builder: it is our ExtBot subclass (Arabic
    # and Dari texts get their direction marks, bot/centre_bot.py). Without a transport,
    # the builder's own defaults: a pool of 256 connections, one for getUpdates.
    bot = CentreBot(
        token=settings.telegram_bot_token or "0:offline",
        base_url=settings.telegram_base_url or "https://api.telegram.org/bot",
        base_file_url=settings.base_file_url or "https://api.telegram.org/file/bot",
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        defaults=Defaults(tzinfo=settings.tz),
        rate_limiter=telegram_rate_limiter() if use_limiter else None,
    )
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .application_class(CentreApplication)
    )
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
    application.add_handlers(crisis.handlers(services.understanding), group=GROUP_CRISIS)
    main_handlers = [
        # Parents' views first: most updates are theirs, and PTB tries a group's handlers in
        # order. These have no commands and their own button prefixes (info:, ref:, lang:),
        # so nothing below could have taken their updates.
        *info.handlers(),
        *referral.handlers(),
        *language.handlers(),
        *staff.handlers(services.settings),  # staff commands check the role themselves
        *booking.handlers(services.settings.conversation_timeout_minutes),
        *my_bookings.handlers(),
        *data.handlers(),
        *reminder_reply.handlers(),
        # issue 22: joining the waiting list, its offers, and the question after a visit
        *waitlist_flow.handlers(services.settings.conversation_timeout_minutes),
        *survey.handlers(services.settings.conversation_timeout_minutes),
        *ask.handlers(services.settings.conversation_timeout_minutes),
        *menu.handlers(),
        *ask.reply_handlers(services.db),  # Telegram replies to a question's messages
        *fallback.handlers(),  # must stay last: it answers whatever nobody else took
    ]
    conversations, others = split_conversations(main_handlers)
    application.add_handlers(conversations, group=GROUP_CONVERSATIONS)
    application.add_handlers(others, group=GROUP_MAIN)
    application.add_error_handler(error_handler)
