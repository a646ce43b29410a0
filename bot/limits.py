"""Telegram's flood limits, kept on our side so the Bot API never has to answer 429.

About 30 messages a second overall, 20 a minute in a group; `CentreRateLimiter` (PTB's
`BaseRateLimiter`, over aiolimiter like PTB's own AIORateLimiter) holds them and honours
`retry_after` if a 429 comes anyway. A bucket of 30 lets 30 go at once after a pause and then
keeps dripping, so a sliding one-second window sees up to 60;
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
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]  # a Bot API answer
Answer = bool | JSONDict | list[JSONDict]

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


def _group_of(chat_id: object) -> int | str | None:
    """The group or channel a message goes to (its own 20 a minute), None for a person."""
    if isinstance(chat_id, str):
        try:
            chat_id = int(chat_id)
        except ValueError:
            return chat_id  # "@channelname"
    return chat_id if isinstance(chat_id, int) and chat_id < 0 else None


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds Telegram asked us to wait, whether PTB gives an int or a timedelta.

    PTB 22 warns on reading `retry_after` as an int (it becomes a timedelta in 23); the
    value is read here once, either way.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class CentreRateLimiter(BaseRateLimiter[int]):
    """Telegram's flood limits as PTB's `BaseRateLimiter`: spacing, groups, the second, 429s.

    Like PTB's AIORateLimiter (which this replaces): messages to a chat are spaced by one
    `AsyncLimiter`, each group's by one of its own, and a 429 is retried up to `max_retries`
    times (`rate_limit_args` overrides it per call). Three differences:

    Button answers don't count: Telegram limits messages, not answerCallbackQuery.

    After a 429 every message waits *before* it takes its turn. AIORateLimiter waits
    after: the messages that take their turns during the pause all go at once when it
    ends, meet the next 429, and a single 429 under load turned into hundreds (973 in
    `bench_memory`'s day). Here each attempt first passes a gate, a time: closed until the
    latest `retry_after` has passed.

    The call itself then waits for room in Telegram's second (`SecondWindow`).
    """

    def __init__(
        self,
        overall_max_rate: float = 1,
        overall_time_period: float = 1 / OVERALL_PER_SECOND,
        group_max_rate: float = 1,
        group_time_period: float = 60 / GROUP_PER_MINUTE,
        max_retries: int = 3,
    ) -> None:
        self._overall: AsyncLimiter | None = (
            AsyncLimiter(overall_max_rate, overall_time_period)
            if overall_max_rate and overall_time_period
            else None
        )
        self._group_rate = (group_max_rate, group_time_period)
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._max_retries = max_retries
        self._closed_until = 0.0
        self._second = SecondWindow(TELEGRAM_PER_SECOND)

    async def initialize(self) -> None:
        """Nothing to set up: the limiters are made as they are needed."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def _group_limiter(self, group: int | str | None) -> AbstractAsyncContextManager[Any]:
        rate, period = self._group_rate
        if group is None or not rate or not period:
            return nullcontext()
        if group not in self._groups and len(self._groups) > 512:
            # Forget the groups that have been quiet long enough to have their full budget.
            for key, limiter in list(self._groups.items()):
                if limiter.has_capacity(limiter.max_rate):
                    del self._groups[key]
        found = self._groups.get(group)
        if found is None:
            found = self._groups[group] = AsyncLimiter(rate, period)
        return found

    async def _wait_for_gate(self) -> None:
        # A time, not an Event: another 429 meanwhile moves it later.
        while (left := self._closed_until - _now()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    async def _attempt(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        to_chat: bool,
        group: int | str | None,
    ) -> Answer:
        """One attempt: the gate first, then the turn (group, overall), then the second."""
        await self._wait_for_gate()
        overall: AbstractAsyncContextManager[Any] = (
            self._overall if to_chat and self._overall is not None else nullcontext()
        )
        async with self._group_limiter(group), overall:
            await self._second.enter()
            try:
                return await callback(*args, **kwargs)
            finally:
                self._second.leave()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Answer]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Answer:
        if endpoint in UNCOUNTED:
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        group = _group_of(chat_id)
        retries = rate_limit_args or self._max_retries
        for attempt in range(retries + 1):
            try:
                return await self._attempt(callback, args, kwargs, chat_id is not None, group)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                log.info("429: every message waits %.1f s", seconds)
                self._closed_until = max(self._closed_until, _now() + seconds + 0.1)
                if attempt == retries:
                    log.warning("%s refused %d times (429): given up", endpoint, attempt + 1)
                    raise
        raise AssertionError("unreachable")


def telegram_rate_limiter() -> CentreRateLimiter:
    """No bursts: one message per 1/29 s overall, one per 60/19 s in a group."""
    return CentreRateLimiter()
