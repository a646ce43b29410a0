"""The emulator speaks the Bot API as PTB 22 expects it (checked with PTB's own Bot)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tests.emulator import Emulator, User


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
async def bot(emu: Emulator) -> AsyncIterator[Bot]:
    request = HTTPXRequest(read_timeout=1.0, connect_timeout=1.0)
    b = Bot("123:TEST", base_url=emu.base_url, request=request, get_updates_request=request)
    async with b:
        yield b


async def test_get_me_has_bot_fields(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.can_join_groups is True and me.username == "cop_test_bot"


async def test_send_and_edit_return_messages(emu: Emulator, bot: Bot) -> None:
    User(emu, 1001)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Да", callback_data="x:1")]])
    sent = await bot.send_message(1001, "Здравейте", reply_markup=keyboard)
    assert isinstance(sent, Message) and sent.message_id == 1
    assert abs(sent.date.timestamp() - time.time()) < 5  # seconds, not milliseconds
    edited = await bot.edit_message_text("Довиждане", chat_id=1001, message_id=1)
    assert isinstance(edited, Message) and edited.text == "Довиждане"
    assert edited.reply_markup is None and edited.edit_date is not None
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Довиждане", chat_id=1001, message_id=1)
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("x", chat_id=1001, message_id=99)
    # message ids count per chat
    User(emu, 1002)
    assert (await bot.send_message(1002, "a")).message_id == 1
    assert (await bot.send_message(1001, "b")).message_id == 2


async def test_updates_offset_and_long_polling(emu: Emulator, bot: Bot) -> None:
    user = User(emu, 1001)
    user.send("/start")
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 1 and updates[0].message is not None
    assert updates[0].message.entities[0].type == "bot_command"
    assert len(await bot.get_updates(timeout=0)) == 1  # not confirmed yet
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
    # a long poll returns as soon as an update arrives
    loop = asyncio.get_running_loop()
    loop.call_later(0.05, user.send, "здравей")
    started = time.monotonic()
    more = await bot.get_updates(offset=updates[0].update_id + 1, timeout=3)
    assert len(more) == 1 and time.monotonic() - started < 2


async def test_callback_query_and_answer(emu: Emulator, bot: Bot) -> None:
    user = User(emu, 1001)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Да", callback_data="x:1")]])
    await bot.send_message(1001, "Въпрос?", reply_markup=keyboard)
    query_id = user.press("Да")
    (update,) = await bot.get_updates(timeout=0)
    assert update.callback_query is not None
    assert update.callback_query.chat_instance and update.callback_query.data == "x:1"
    assert await bot.answer_callback_query(str(query_id))
    with pytest.raises(BadRequest, match="query"):
        await bot.answer_callback_query(str(query_id))


async def test_errors_and_faults(emu: Emulator, bot: Bot) -> None:
    User(emu, 1001)
    with pytest.raises(BadRequest, match="not supported"):
        await bot.do_api_request("frobnicate", api_kwargs={"chat_id": 1001})
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(4242, "x")
    emu.block(1001)
    with pytest.raises(Forbidden, match="blocked"):
        await bot.send_message(1001, "x")
    emu.block(1001, False)
    emu.fail("sendMessage", "429", retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "x")
    emu.fail("sendMessage", "5xx", status=502)
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "x")
    emu.fail("sendMessage", "drop")
    with pytest.raises(NetworkError):
        await bot.send_message(1001, "x")
    emu.fail("sendMessage", "delay", seconds=1.5, deliver=False)
    with pytest.raises(TimedOut):
        await bot.send_message(1001, "x")
    assert emu.bot_messages(1001) == []
    assert (await bot.send_message(1001, "ok")).text == "ok"


async def test_document_location_commands(emu: Emulator, bot: Bot) -> None:
    User(emu, 1001)
    doc = await bot.send_document(1001, b"BEGIN:VCALENDAR", filename="a.ics", caption="Час")
    assert doc.document is not None and doc.document.file_name == "a.ics"
    assert emu.files[doc.document.file_id] == b"BEGIN:VCALENDAR"
    loc = await bot.send_location(1001, latitude=41.93, longitude=25.9)
    assert loc.location is not None and loc.location.latitude == pytest.approx(41.93)
    assert await bot.set_my_commands([("start", "Начало")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert await bot.send_chat_action(1001, "typing")
    assert await bot.delete_message(1001, doc.message_id)
    assert await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    assert await bot.delete_webhook()


async def test_enforced_limits(emu: Emulator, bot: Bot) -> None:
    emu.enforce_limits = True
    for chat in range(2001, 2041):
        User(emu, chat)
    outcomes = await asyncio.gather(
        *(bot.send_message(chat, "x") for chat in range(2001, 2041)), return_exceptions=True
    )
    assert sum(isinstance(o, RetryAfter) for o in outcomes) == 10
    assert emu.rate_limited == 10
