"""The limiter spends Telegram's message budget on messages only."""

from __future__ import annotations

import asyncio
import bisect
import random

import pytest
from telegram.error import RetryAfter

from bot import limits
from bot.limits import UNCOUNTED, CentreRateLimiter, telegram_rate_limiter


async def test_button_answers_do_not_wait_for_the_budget() -> None:
    limiter = telegram_rate_limiter()
    assert isinstance(limiter, CentreRateLimiter)
    await limiter.initialize()
    sent: list[str] = []

    async def call(endpoint: str) -> bool:
        sent.append(endpoint)
        return True

    await limiter.process_request(call, ("sendMessage",), {}, "sendMessage", {"chat_id": 5}, None)
    # The next message must wait its 1/29 s; the button answer goes at once meanwhile.
    await limiter.process_request(
        call, ("answerCallbackQuery",), {}, "answerCallbackQuery", {}, None
    )
    assert sent == ["sendMessage", "answerCallbackQuery"]
    assert "answerCallbackQuery" in UNCOUNTED and "sendMessage" not in UNCOUNTED
    await limiter.shutdown()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The limiter's gate on a fake clock: sleeping (ours and PTB's) moves it on at once."""
    now = [100.0]
    real_sleep = asyncio.sleep

    async def fake_sleep(seconds: float) -> None:
        now[0] += max(seconds, 0.001)
        await real_sleep(0)

    monkeypatch.setattr(limits, "_now", lambda: now[0])
    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    return now


async def test_after_a_429_every_message_waits_before_its_turn(clock: list[float]) -> None:
    """No message reaches Telegram before retry_after has passed, and none is lost."""
    # Only the gate is under test here: no 1/29 s spacing (aiolimiter uses the loop's clock).
    limiter = CentreRateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
    await limiter.initialize()
    sent: list[tuple[int, float]] = []
    refused = {0}  # the first attempt of message 0 meets a 429 with retry_after 5

    async def call(n: int) -> bool:
        if n in refused:
            refused.discard(n)
            raise RetryAfter(5)
        sent.append((n, clock[0]))
        return True

    first = asyncio.create_task(
        limiter.process_request(call, (0,), {}, "sendMessage", {"chat_id": 1}, None)
    )
    await asyncio.sleep(0)
    others = [
        limiter.process_request(call, (n,), {}, "sendMessage", {"chat_id": n}, None)
        for n in range(1, 6)
    ]
    assert all(await asyncio.gather(first, *others))
    assert sorted(n for n, _ in sent) == [0, 1, 2, 3, 4, 5]
    assert all(at >= 105.0 for _, at in sent), sent
    await limiter.shutdown()


async def test_a_message_refused_again_and_again_gives_up(clock: list[float]) -> None:
    limiter = CentreRateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=2)
    await limiter.initialize()
    calls = []

    async def call() -> bool:
        calls.append(clock[0])
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": -100}, None)
    assert len(calls) == 3
    await limiter.shutdown()


async def test_no_second_at_telegram_holds_more_than_30_however_late_they_arrive(
    clock: list[float],
) -> None:
    """Messages delayed on the way (a busy Bot API) must not bunch into one second there.

    Telegram counts a message somewhere between our sending it and its answer; any such
    moment is picked here, and no second may hold more than 30 of them.
    """
    window = limits.SecondWindow(30)
    rng = random.Random(7)
    arrivals: list[float] = []

    async def message() -> None:
        await window.enter()
        sent = clock[0]
        await asyncio.sleep(rng.choice([0.0, 0.01, 0.05, 0.3]))  # the way there and back
        arrivals.append(sent + rng.random() * (clock[0] - sent))
        window.leave()

    await asyncio.gather(*(message() for _ in range(300)))
    arrivals.sort()
    assert len(arrivals) == 300
    assert max(bisect.bisect_left(arrivals, at + 1.0) - i for i, at in enumerate(arrivals)) <= 30


async def test_the_limiter_sends_no_31st_message_within_the_second(clock: list[float]) -> None:
    limiter = CentreRateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=0)
    await limiter.initialize()
    sent: list[float] = []

    async def call() -> bool:
        sent.append(clock[0])
        return True

    await asyncio.gather(
        *(
            limiter.process_request(call, (), {}, "sendMessage", {"chat_id": n}, None)
            for n in range(1, 32)
        )
    )
    assert len(sent) == 31 and sent[-1] - sent[0] >= 1.0
    await limiter.shutdown()
