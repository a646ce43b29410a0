"""Start the real bot: migrations first, then long polling (default) or a webhook.

Both modes share one HTTP transport that survives a flaky Bot API: sane timeouts, a
connection pool sized for the rate limiter's 30 requests a second, and a bounded retry with
backoff for answers that mean "not done" (5xx, refused or dropped connections). A timeout
is never retried here, because Telegram may have delivered the message: the handler's
error is logged and the process keeps going. 429 is left to PTB's AIORateLimiter, which
honours `retry_after`; getUpdates is retried by PTB's own network loop.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application, BaseUpdateProcessor, Updater
from telegram.request import RequestData

from bot.app import build_application
from bot.config import Settings
from bot.failover import Failover
from bot.transport import AiohttpRequest

log = logging.getLogger(__name__)

# Seconds to wait before each retry of a request that failed with a 5xx or a lost connection.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0, 2.0)


class ResilientRequest(AiohttpRequest):
    """The bot's transport: retries 5xx answers and failed connections, never timeouts."""

    def __init__(
        self,
        *,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        may_retry: Callable[[], bool] | None = None,
        **kwargs: Any,
    ) -> None:
        # Eight connections carry the rate limiter's ~30 requests a second.
        super().__init__(**kwargs)
        self.retry_delays = retry_delays
        # bot/failover.py: a retry is a new send; none once this process may not act.
        self.may_retry = may_retry

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        # PTB's polling loop has its own backoff for getUpdates.
        delays = () if endpoint == "getUpdates" else self.retry_delays
        for attempt in range(len(delays) + 1):
            last = attempt == len(delays)
            try:
                code, payload = await super().do_request(url, method, request_data, **timeouts)
            except TimedOut:
                raise
            except NetworkError as exc:
                if last:
                    raise
                log.warning(
                    "%s failed (%s), retry %d in %.1fs",
                    endpoint,
                    _short(exc),
                    attempt + 1,
                    delays[attempt],
                )
            else:
                if code < 500 or last:
                    return code, payload
                log.warning(
                    "%s answered %d, retry %d in %.1fs",
                    endpoint,
                    code,
                    attempt + 1,
                    delays[attempt],
                )
            await asyncio.sleep(delays[attempt])
            if self.may_retry is not None and not self.may_retry():
                raise NetworkError(f"{endpoint} not retried: this process may not act")
        raise AssertionError("unreachable")


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; one chat's updates strictly in order.

    With PTB's default (one update at a time), a send that waits for the rate limiter,
    such as a staff card to the staff group (20 a minute), holds up every parent. Here it
    holds up only its own chat. Order within a chat keeps conversations and the staff
    group's double-tap handling as they are.

    The chat's turn is taken *before* one of the `max_concurrent_updates` places: an update
    waiting behind its own chat holds no place, so one chat flooding the bot with hundreds
    of messages uses one place and every other chat is still answered at once.
    """

    # PTB's own bound (its `process_update` is final) only keeps memory in check; the
    # places that matter are `self.places`, taken after the chat's turn.
    QUEUE_BOUND = 4096

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(self.QUEUE_BOUND)
        self.places = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._waiting: dict[tuple[str, int], int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """The chat's turn first, then one of the places."""
        key = _order_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self.places:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _order_key(update: object) -> tuple[str, int]:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return ("other", 0)


def _short(exc: BaseException) -> str:
    """The exception's class (the transport's is in the message): no URLs, no tokens."""
    text = str(exc)
    return text.split(":", 1)[0] if text.startswith("aiohttp.") else type(exc).__name__


WEBHOOK_BOOTSTRAP_RETRIES = 5


def make_request(
    settings: Settings, may_retry: Callable[[], bool] | None = None
) -> ResilientRequest:
    return ResilientRequest(
        read_timeout=settings.api_read_timeout, proxy=settings.proxy_url, may_retry=may_retry
    )


def freeze_startup_objects() -> None:
    """Keep what start-up built (modules, catalogs, the content) out of later GC passes.

    Those hundreds of thousands of objects live as long as the process; without this, every
    full collection walks them all and the update that happens to trigger it waits.
    """
    gc.collect()
    gc.freeze()


def build_fenced(
    settings: Settings, failover: Failover
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application whose requests and updates pass the failover's fences."""
    return build_application(
        settings,
        request=failover.request(make_request(settings, may_retry=failover.may_act)),
        update_processor=failover.processor(ChatOrderedUpdateProcessor()),
    )


def _run_with_web(
    application: Application[Any, Any, Any, Any, Any, Any],
    failover: Failover,
    start_updates: Callable[[Updater], Awaitable[Any]],
) -> None:
    """The web desk beside the bot in one loop; the updater starts once this process is active."""
    from admin.web.serve import run_with_web

    assert application.updater is not None
    updater = application.updater
    asyncio.run(
        run_with_web(
            application,
            lambda: start_updates(updater),
            wait_until_active=lambda: failover.wait_until_active(application),
            stop_waiting=failover.release,
        )
    )


def run_polling(settings: Settings) -> None:
    failover = Failover.for_settings(settings)  # SQLite: refuses a second process
    application = build_fenced(settings, failover)
    freeze_startup_objects()
    log.info("starting long polling (a standby first waits for the lease)")
    try:
        if settings.web_port:  # the web desk beside the bot, in the same loop
            _run_with_web(
                application,
                failover,
                lambda updater: updater.start_polling(
                    allowed_updates=Update.ALL_TYPES,
                    drop_pending_updates=False,
                    timeout=settings.poll_timeout,
                    bootstrap_retries=-1,
                ),
            )
            return
        failover.become_active(application)  # PostgreSQL: a standby waits here
        application.run_polling(
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            timeout=settings.poll_timeout,
            bootstrap_retries=-1,  # getMe/deleteWebhook at start-up wait for the API to return
        )
    finally:
        failover.release()


def webhook_path(url: str) -> str:
    """The path PTB's server listens on: the public URL's path without its leading slash."""
    return urlsplit(url).path.lstrip("/")


def run_webhook(settings: Settings) -> None:
    """Serve Telegram's webhook on WEBHOOK_LISTEN:WEBHOOK_PORT (TLS ends at the proxy)."""
    if not settings.webhook_url or not settings.webhook_secret:
        raise ValueError("webhook mode needs WEBHOOK_URL and WEBHOOK_SECRET")
    failover = Failover.for_settings(settings)
    application = build_fenced(settings, failover)
    log.info(
        "starting webhook on %s:%d for host %s",
        settings.webhook_listen,
        settings.webhook_port,
        urlsplit(settings.webhook_url).hostname,
    )
    freeze_startup_objects()
    # PTB's tornado server answers 403 to any request whose X-Telegram-Bot-Api-Secret-Token
    # header is missing or wrong; such updates never reach the handlers.
    try:
        if settings.web_port:  # the web desk beside the bot, in the same loop
            _run_with_web(
                application,
                failover,
                lambda updater: updater.start_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    url_path=webhook_path(settings.webhook_url or ""),
                    webhook_url=settings.webhook_url,
                    secret_token=settings.webhook_secret,
                    allowed_updates=Update.ALL_TYPES,
                    drop_pending_updates=False,
                    bootstrap_retries=WEBHOOK_BOOTSTRAP_RETRIES,
                ),
            )
            return
        failover.become_active(application)  # the active one sets its URL with Telegram
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=webhook_path(settings.webhook_url),
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            # A refused setWebhook (a bad URL, a certificate problem) is not retried for ever:
            # after these the start fails with Telegram's reason (`cop-bot webhook`).
            bootstrap_retries=WEBHOOK_BOOTSTRAP_RETRIES,
        )
    finally:
        failover.release()
