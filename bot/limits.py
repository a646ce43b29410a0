"""Telegram's flood limits, kept on our side so the Bot API never has to answer 429.

About 30 messages a second overall, 20 a minute in a group; PTB's AIORateLimiter holds
them and honours `retry_after` if a 429 comes anyway. Its default bucket of 30 lets 30 go at
once after a pause and then keeps dripping, so a sliding one-second window sees up to 60;
a window that lets 29 go at once is no better (the burst reaches Telegram spread over tens of
milliseconds and meets the next second's). One message every 1/29 s never exceeds 30 in
any second, also when a few of them arrive a little late.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter

OVERALL_PER_SECOND = 29  # one below Telegram's 30
GROUP_PER_MINUTE = 19  # one below Telegram's 20: spaced exactly 3 s, jitter makes 21 in a minute

# Bot API methods Telegram does not count as messages.
UNCOUNTED = frozenset({"answerCallbackQuery", "sendChatAction", "getUpdates", "getMe"})


class CentreRateLimiter(AIORateLimiter):
    """Button answers don't count: Telegram limits messages, not answerCallbackQuery."""

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


def telegram_rate_limiter() -> AIORateLimiter:
    """No bursts: one message per 1/29 s overall, one per 60/19 s in a group."""
    return CentreRateLimiter(
        overall_max_rate=1,
        overall_time_period=1 / OVERALL_PER_SECOND,
        group_max_rate=1,
        group_time_period=60 / GROUP_PER_MINUTE,
        max_retries=3,
    )
