"""Telegram's flood limits, kept on our side so the Bot API never has to answer 429.

About 30 messages a second overall, 20 a minute in a group; PTB's AIORateLimiter holds
them and honours `retry_after` if a 429 comes anyway. Its default bucket of 30 lets 30 go at
once after a pause and then keeps dripping, so a sliding one-second window sees up to 60;
a window that lets 29 go at once is no better (the burst reaches Telegram spread over tens of
milliseconds and meets the next second's). One message every 1/29 s never exceeds 30 in
any second, also when a few of them arrive a little late.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

# Seams for tests (a fake clock); the real ones otherwise.
_now = time.monotonic
_sleep = asyncio.sleep

OVERALL_PER_SECOND = 29  # one below Telegram's 30
GROUP_PER_MINUTE = 19  # one below Telegram's 20: spaced exactly 3 s, jitter makes 21 in a minute

# Bot API methods Telegram does not count as messages.
UNCOUNTED = frozenset({"answerCallbackQuery", "sendChatAction", "getUpdates", "getMe"})


class CentreRateLimiter(AIORateLimiter):
    """PTB's limiter with two changes.

    Button answers don't count: Telegram limits messages, not answerCallbackQuery.

    After a 429 every message waits *before* it takes its turn. PTB's own limiter waits
    after: the messages that take their turns during the pause all go at once when it
    ends, meet the next 429, and a single 429 under load turned into hundreds (973 in
    `bench_memory`'s day). Any message that ends also reopened PTB's gate early. Here the
    gate is a time: closed until the latest `retry_after` has passed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closed_until = 0.0

    async def _wait_for_gate(self) -> None:
        while (left := self._closed_until - _now()) > 0:
            await _sleep(left)

    async def process_request(  # type: ignore[override]
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint in UNCOUNTED:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        group = (
            chat_id
            if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
            else False
        )
        retries = rate_limit_args or self._max_retries
        for attempt in range(retries + 1):
            await self._wait_for_gate()
            try:
                return await self._run_request(
                    chat=chat_id is not None,
                    group=group,
                    allow_paid_broadcast=bool(data.get("allow_paid_broadcast", False)),
                    callback=callback,
                    args=args,
                    kwargs=kwargs,
                )
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                pause = exc.retry_after
                seconds = pause.total_seconds() if hasattr(pause, "total_seconds") else pause
                log.info("%s: 429, all messages wait %.1f s", endpoint, float(seconds))
                self._closed_until = max(self._closed_until, _now() + float(seconds) + 0.1)
        raise AssertionError("unreachable")


def telegram_rate_limiter() -> AIORateLimiter:
    """No bursts: one message per 1/29 s overall, one per 60/19 s in a group."""
    return CentreRateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / OVERALL_PER_SECOND,
        group_max_rate=1,
        group_time_period=60 / GROUP_PER_MINUTE,
        max_retries=3,
    )
