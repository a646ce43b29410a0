"""The runner's transport and update order, in-process against the emulator (fast, no
subprocess, so not marked e2e)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, Update
from telegram.error import NetworkError, TimedOut

from bot.runner import ChatOrderedUpdateProcessor, ResilientRequest, webhook_path
from bot.updates import make_message
from tests.emulator import Emulator, User


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    User(emulator, 1001)
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    request = ResilientRequest(retry_delays=(0.01, 0.02, 0.04), read_timeout=0.5)
    b = Bot("123:TEST", base_url=emu.base_url, request=request)
    async with b:
        yield b


async def test_5xx_and_dropped_connections_are_retried(emu: Emulator, bot: Bot) -> None:
    emu.fail("sendMessage", "5xx", 2, status=500)
    emu.fail("sendMessage", "drop")
    assert (await bot.send_message(1001, "Здравейте")).text == "Здравейте"
    assert emu.method_counts["sendMessage"] == 4
    assert len(emu.bot_messages(1001)) == 1


async def test_retries_are_bounded(emu: Emulator, bot: Bot) -> None:
    emu.fail("sendMessage", "5xx", 5, status=502)
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "x")
    assert emu.method_counts["sendMessage"] == 4  # the first try and three retries
    assert emu.bot_messages(1001) == []


async def test_a_timeout_is_not_retried(emu: Emulator, bot: Bot) -> None:
    emu.fail("sendMessage", "delay", seconds=1.0)  # delivered, answered too late
    with pytest.raises(TimedOut):
        await bot.send_message(1001, "x")
    assert emu.method_counts["sendMessage"] == 1
    assert len(emu.bot_messages(1001)) == 1, "a retry would have sent it twice"


async def test_documents_go_as_multipart_with_their_name_and_bytes(
    emu: Emulator, bot: Bot
) -> None:
    content = "дата;час\n2026-12-03;10:00\n".encode()
    sent = await bot.send_document(
        1001, content, filename="часове.csv", caption="Часовете за седмицата"
    )
    assert sent.document is not None and sent.caption == "Часовете за седмицата"
    assert emu.files[sent.document.file_id] == content
    assert sent.document.file_name == "часове.csv"


async def test_long_polling_outlasts_the_read_timeout(emu: Emulator, bot: Bot) -> None:
    # PTB adds the poll timeout to the read timeout (0.5 s here): an empty poll is no error.
    assert await bot.get_updates(timeout=1) == ()


async def test_a_refused_connection_is_a_network_error_without_the_token() -> None:
    request = ResilientRequest(retry_delays=(0.01,), connect_timeout=0.5)
    b = Bot("123:SECRET-TOKEN", base_url="http://127.0.0.1:9/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await b.send_message(1001, "x")
        assert "SECRET-TOKEN" not in str(raised.value)
    finally:
        await request.shutdown()


async def test_one_transport_shared_by_the_bot_and_get_updates_closes_once() -> None:
    request = ResilientRequest()
    await request.initialize()
    await request.initialize()  # PTB initialises the bot's and getUpdates' request
    await request.shutdown()
    assert request._session is not None and not request._session.closed
    await request.shutdown()
    assert request._session is None


async def test_chats_run_concurrently_each_in_order() -> None:
    processor = ChatOrderedUpdateProcessor(8)
    bot = Bot("123:TEST")
    release = asyncio.Event()
    done: list[str] = []

    async def handle(name: str, wait: bool) -> None:
        if wait:
            await release.wait()
        done.append(name)

    def update(chat: int) -> Update:
        return make_message(bot, chat, "x")

    tasks = [
        asyncio.create_task(processor.process_update(update(1), handle("a1", True))),
        asyncio.create_task(processor.process_update(update(1), handle("a2", False))),
        asyncio.create_task(processor.process_update(update(2), handle("b1", False))),
    ]
    for _ in range(10):
        await asyncio.sleep(0)
    assert done == ["b1"], "chat 2 must not wait for chat 1"
    release.set()
    await asyncio.gather(*tasks)
    assert done == ["b1", "a1", "a2"]


async def test_a_flooding_chat_does_not_stall_the_others() -> None:
    """300 messages from one chat at once: another parent's /start still gets a place."""
    processor = ChatOrderedUpdateProcessor(64)
    bot = Bot("123:TEST")
    release = asyncio.Event()
    done: list[str] = []

    async def handle(name: str, wait: bool) -> None:
        if wait:
            await release.wait()  # the flooding chat's first update is slow
        done.append(name)

    flood = [
        asyncio.create_task(
            processor.process_update(make_message(bot, 1, f"{n}"), handle(f"a{n}", n == 0))
        )
        for n in range(300)
    ]
    for _ in range(5):
        await asyncio.sleep(0)
    other = asyncio.create_task(
        processor.process_update(make_message(bot, 2, "/start"), handle("start", False))
    )
    for _ in range(20):  # a few turns of the loop: no clock involved
        await asyncio.sleep(0)
    assert other.done() and done == ["start"], "the other chat waited for the flood"
    release.set()
    await asyncio.gather(*flood)
    assert done[1:] == [f"a{n}" for n in range(300)]  # the flooding chat in its own order


def test_webhook_path() -> None:
    assert webhook_path("https://bot.example.org/telegram/abc") == "telegram/abc"
    assert webhook_path("https://bot.example.org") == ""
