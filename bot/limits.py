"""Telegram's flood limits, kept on our side so the Bot API never has to answer 429.

About 30 messages a second overall, 20 a minute in a group; PTB's AIORateLimiter holds
them and honours `retry_after` if a 429 comes anyway. Its default bucket of 30 lets 30 go at
once after a pause and then keeps dripping, so a sliding one-second window sees up to 60;
a window that lets 29 go at once is no better (the burst reaches Telegram spread over tens of
milliseconds and meets the next second's). One message every 1/29 s never exceeds 30 in
any second, also when a few of them arrive a little late.

Not when many arrive late, though: a stall of 35 ms on the way (a busy Bot API, a busy
machine) bunches them up, and Telegram's second then holds 31. `SecondWindow` closes that:
a message waits while 30 others could still fall into the same second at Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

_now = time.monotonic  # a seam for tests (a fake clock)

TELEGRAM_PER_SECOND = 30  # messages in any second, overall
OVERALL_PER_SECOND = TELEGRAM_PER_SECOND - 1  # our spacing: one below Telegram's
GROUP_PER_MINUTE = 19  # one below Telegram's 20: spaced exactly 3 s, jitter makes 21 in a minute

# Bot API methods Telegram does not count as messages.
UNCOUNTED = frozenset({"answerCallbackQuery", "sendChatAction", "getUpdates", "getMe"})


class SecondWindow:
    """At most `limit` messages in any second as Telegram counts them, however they travel.

    Telegram counts a message when it arrives, which is after we sent it and before its
    answer came back. So a message that is on its way, or was answered less than a second
    ago, may share a second with the next one; while `limit` such messages exist, the next
    waits. For any `limit + 1` messages, the one sent last would have waited until one of
    the others had been answered a full second before: they never share a second.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._on_the_way = 0
        self._answered: deque[float] = deque()  # when each recent answer came back
        self._changed = asyncio.Event()

    async def enter(self) -> None:
        while True:
            now = _now()
            answered = self._answered
            while answered and now - answered[0] >= 1.0:
                answered.popleft()
            if self._on_the_way + len(answered) < self._limit:
                self._on_the_way += 1
                return
            if answered:  # the oldest answer leaves the second first
                await asyncio.sleep(1.0 - (now - answered[0]))
            else:  # all of them still on the way: wait for one to come back
                self._changed.clear()
                await self._changed.wait()

    def leave(self) -> None:
        self._on_the_way -= 1
        self._answered.append(_now())
        self._changed.set()


class CentreRateLimiter(AIORateLimiter):
    """PTB's limiter with two changes.

    Button answers don't count: Telegram limits messages, not answerCallbackQuery.

    After a 429 every message waits *before* it takes its turn. PTB's own limiter waits
    after: the messages that take their turns during the pause all go at once when it
    ends, meet the next 429, and a single 429 under load turned into hundreds (973 in
    `bench_memory`'s day), and any message that ended reopened its gate early. Here each
    attempt first passes a gate of our own, a time: closed until the latest `retry_after`
    has passed. PTB's retry loop is kept as it is.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._closed_until = 0.0
        self._second = SecondWindow(TELEGRAM_PER_SECOND)

    async def _wait_for_gate(self) -> None:
        # A time, not an Event: another 429 meanwhile moves it later.
        while (left := self._closed_until - _now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

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
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )

    async def _run_request(self, *args: Any, **kwargs: Any) -> Any:
        """One attempt (PTB's `process_request` retries): the gate first, then the turn.

        The turn is PTB's spacing; the call itself then waits for room in Telegram's second.
        """
        await self._wait_for_gate()
        callback = kwargs["callback"]

        async def within_the_second(*call_args: Any, **call_kwargs: Any) -> Any:
            await self._second.enter()
            try:
                return await callback(*call_args, **call_kwargs)
            finally:
                self._second.leave()

        kwargs["callback"] = within_the_second
        try:
            return await super()._run_request(*args, **kwargs)
        except RetryAfter as exc:
            pause = exc.retry_after
            seconds = float(pause.total_seconds() if hasattr(pause, "total_seconds") else pause)
            log.info("429: every message waits %.1f s", seconds)
            self._closed_until = max(self._closed_until, _now() + seconds + 0.1)
            raise


def telegram_rate_limiter() -> AIORateLimiter:
    """No bursts: one message per 1/29 s overall, one per 60/19 s in a group."""
    return CentreRateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / OVERALL_PER_SECOND,
        group_max_rate=1,
        group_time_period=60 / GROUP_PER_MINUTE,
        max_retries=3,
    )
