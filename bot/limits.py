"""Telegram's flood limits, kept on our side so the Bot API never has to answer 429.

About 30 messages a second overall, 20 a minute in a group. The group limit is PTB's
AIORateLimiter (a leaky bucket per group, and it honours `retry_after` if a 429 comes
anyway). The overall limit is a sliding window instead: PTB's bucket of 30 lets 30 go
after a pause and then keeps dripping, so a one-second window can see up to 60; a bucket of
one never lets two go together, so every reply waits its 1/29 s turn even on a quiet day.
The window lets a reply go at once while fewer than 29 went in the last second.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

OVERALL_PER_SECOND = 29  # one below Telegram's 30: the window is kept at send time
GROUP_PER_MINUTE = 20

# Bot API methods Telegram does not count as messages.
UNCOUNTED = frozenset({"answerCallbackQuery", "sendChatAction", "getUpdates", "getMe"})


class SendWindow:
    """At most `limit` sends in any `period` seconds."""

    def __init__(self, limit: int = OVERALL_PER_SECOND, period: float = 1.0) -> None:
        self.limit = limit
        self.period = period
        self._sent: deque[float] = deque()

    async def wait(self) -> None:
        while True:
            now = time.monotonic()
            while self._sent and now - self._sent[0] >= self.period:
                self._sent.popleft()
            if len(self._sent) < self.limit:
                self._sent.append(now)
                return
            await asyncio.sleep(self.period - (now - self._sent[0]))


class CentreRateLimiter(AIORateLimiter):
    """Groups through PTB's limiter, then the overall window right before the request."""

    def __init__(self, window: SendWindow | None = None, **kwargs: Any) -> None:
        super().__init__(overall_max_rate=0, **kwargs)  # 0: PTB's overall bucket is off
        self.window = window or SendWindow()

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

        async def in_window(*a: Any, **k: Any) -> Any:
            await self.window.wait()  # after any wait for the group: counted when it goes
            return await callback(*a, **k)

        return await super().process_request(
            in_window, args, kwargs, endpoint, data, rate_limit_args
        )


def telegram_rate_limiter() -> AIORateLimiter:
    return CentreRateLimiter(
        group_max_rate=1,
        group_time_period=60 / GROUP_PER_MINUTE,  # one every 3 s, never a burst of 20
        max_retries=3,
    )
