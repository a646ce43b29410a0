"""The overall limit: never more than `limit` messages in any `period`, on a fake clock."""

from __future__ import annotations

import pytest

from bot import limits
from bot.limits import CentreRateLimiter, SendWindow


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(limits.time, "monotonic", fake.monotonic)
    monkeypatch.setattr(limits.asyncio, "sleep", fake.sleep)
    return fake


async def test_a_burst_is_spread_over_the_period(clock: FakeClock) -> None:
    window = SendWindow(limit=3, period=1.0)
    sent = []
    for _ in range(7):
        await window.wait()
        sent.append(clock.now)
    assert sent == [1000.0, 1000.0, 1000.0, 1001.0, 1001.0, 1001.0, 1002.0]
    for i in range(len(sent)):
        in_window = [t for t in sent if sent[i] - 1.0 < t <= sent[i]]
        assert len(in_window) <= 3


async def test_spaced_sends_never_wait(clock: FakeClock) -> None:
    window = SendWindow(limit=2, period=1.0)
    for _ in range(10):
        await window.wait()
        clock.now += 0.5
    assert clock.slept == []


async def test_button_answers_skip_the_window(clock: FakeClock) -> None:
    limiter = CentreRateLimiter(SendWindow(limit=1, period=1.0))
    await limiter.initialize()
    sent: list[tuple[str, float]] = []

    async def call(endpoint: str) -> bool:
        sent.append((endpoint, clock.now))
        return True

    for endpoint in ("sendMessage", "answerCallbackQuery", "editMessageText"):
        await limiter.process_request(call, (endpoint,), {}, endpoint, {"chat_id": 5}, None)
    assert sent == [
        ("sendMessage", 1000.0),
        ("answerCallbackQuery", 1000.0),
        ("editMessageText", 1001.0),
    ]
    await limiter.shutdown()
