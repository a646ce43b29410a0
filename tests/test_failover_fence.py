"""The failover's fences on the transport, in-process against the emulator: no request and
no retry once the lease is not valid; a batch of updates is confirmed before it is used."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError

from bot.failover import FencedRequest, NotActive
from bot.runner import ResilientRequest
from tests.emulator import Emulator, User


class FakeLease:
    """Stands in for `storage.lease.Lease`: valid or not, as the test says."""

    def __init__(self, valid: bool = True) -> None:
        self.is_valid = valid

    def valid(self, budget: float = 0.0) -> bool:
        return self.is_valid


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    User(emulator, 1001)
    yield emulator
    await emulator.stop()


async def fenced_bot(emu: Emulator, lease: FakeLease) -> tuple[Bot, FencedRequest]:
    inner = ResilientRequest(retry_delays=(0.01,), read_timeout=2, may_retry=lease.valid)
    request = FencedRequest(inner, lease, budget=0.0)  # type: ignore[arg-type]
    bot = Bot("123:TEST", base_url=emu.base_url, request=request, get_updates_request=request)
    await bot.initialize()
    request.bot = bot
    return bot, request


async def test_nothing_is_sent_without_a_valid_lease(emu: Emulator) -> None:
    lease = FakeLease()
    bot, _ = await fenced_bot(emu, lease)
    lease.is_valid = False
    try:
        with pytest.raises(NotActive):
            await bot.send_message(1001, "x")
        assert emu.method_counts.get("sendMessage", 0) == 0
    finally:
        await bot.shutdown()


async def test_no_retry_once_the_lease_is_gone(emu: Emulator) -> None:
    lease = FakeLease()
    bot, _ = await fenced_bot(emu, lease)
    emu.fail("sendMessage", "5xx", status=500)
    try:
        # The first attempt goes out (and fails with 500); the lease is gone before the retry.
        inner = bot.request
        assert isinstance(inner, FencedRequest)
        assert isinstance(inner.inner, ResilientRequest)
        inner.inner.may_retry = lambda: False
        with pytest.raises(NetworkError):
            await bot.send_message(1001, "x")
        assert emu.method_counts["sendMessage"] == 1
        assert emu.bot_messages(1001) == []
    finally:
        await bot.shutdown()


async def test_a_batch_is_confirmed_before_it_is_handed_over(emu: Emulator) -> None:
    bot, _ = await fenced_bot(emu, FakeLease())
    try:
        update_id, _ = emu.user_message(1001, 1001, text="здравейте")
        updates = await bot.get_updates(timeout=0)
        assert [u.update_id for u in updates] == [update_id]
        assert emu.confirmed_offset == update_id + 1, "confirmed before any handler ran"
    finally:
        await bot.shutdown()
