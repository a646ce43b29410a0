"""Telegram misbehaves (429, 5xx, timeouts, dropped connections, a blocked chat) and the real
bot process keeps working: nothing lost, nothing sent twice, no crash."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.conftest import assert_clean_log
from tests.emulator import Emulator, User
from tests.emulator.botproc import BotProcess

pytestmark = pytest.mark.e2e

# Short long polls and a short read timeout so that "a delay past the client's timeout"
# costs a couple of seconds, not the production 10 + 10.
FAST = {"POLL_TIMEOUT": "1", "API_READ_TIMEOUT": "1.5"}
GREETING = "Здравейте"


def _greetings(user: User) -> int:
    return sum(GREETING in text for text in user.all_texts())


def test_get_updates_faults_lose_no_update(
    emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot(**FAST)
    for n, (kind, options) in enumerate(
        [
            ("429", {"retry_after": 1}),
            ("5xx", {"status": 502}),  # 500 is the same path, checked on sendMessage
            ("drop", {}),
            ("delay", {"seconds": 3.0}),  # answered after the client gave up
        ]
    ):
        parent = User(emulator, 4100 + n)
        emulator.fail("getUpdates", kind, **options)
        # the poll in flight ends first; the parent writes while polling is failing
        emulator.wait_for(lambda: emulator.pending_faults("getUpdates") == 0, 5, "the fault")
        parent.send("/start")
        parent.wait(GREETING, timeout=10)
        assert _greetings(parent) == 1, f"{kind}: the update was handled twice"
    bot.assert_alive()
    assert ("getUpdates", "delay") in emulator.fault_log


def test_send_faults_are_retried_once_and_survived(
    emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot(**FAST)
    # 429 is honoured by the rate limiter; 5xx and lost connections are retried with backoff.
    for n, (kind, count, options) in enumerate(
        [
            ("429", 2, {"retry_after": 1}),
            ("5xx", 2, {"status": 500}),
            ("5xx", 1, {"status": 502}),
            ("drop", 2, {}),
        ]
    ):
        parent = User(emulator, 4200 + n)
        emulator.fail("sendMessage", kind, count, chat_id=parent.chat_id, **options)
        parent.send("/start")
        parent.wait(GREETING, timeout=10)
        assert emulator.pending_faults("sendMessage") == 0
        assert _greetings(parent) == 1, f"{kind}: the greeting was sent twice"

    # A slow Telegram that delivered the message after the client timed out: no retry
    # (it would be a duplicate); the process logs it and goes on.
    slow = User(emulator, 4300)
    emulator.fail("sendMessage", "delay", seconds=2.5, chat_id=slow.chat_id)
    slow.send("/start")
    slow.wait(GREETING, timeout=10)
    # A slow Telegram that did not deliver: the parent is not left in silence for good.
    lost = User(emulator, 4301)
    emulator.fail("sendMessage", "delay", seconds=2.5, deliver=False, chat_id=lost.chat_id)
    lost.send("/start")
    lost.wait(lambda e: bool(e.text), timeout=10)

    after = User(emulator, 4302)
    after.send("/start")
    after.wait(GREETING, timeout=10)
    assert _greetings(slow) == 1
    bot.assert_alive()


def test_blocked_chat_does_not_stop_the_bot(
    emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot(**FAST)
    blocked = User(emulator, 4400)
    emulator.block(blocked.chat_id)
    blocked.send("/start")
    emulator.wait_for(
        lambda: any(status == 403 for _, status, _d in emulator.errors_sent), 10, "a 403"
    )
    other = User(emulator, 4401)
    other.send("/start")
    other.wait(GREETING)
    assert blocked.all_texts() == []
    bot.assert_alive()
    assert_clean_log(bot, "123:TEST")  # the token is in every URL: never logged
