"""The booking conversation through the fake Bot API, with the clock fixed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from sqlmodel import select

from bot.logs import configure
from bot.services import Services
from bot.updates import make_callback
from storage import booking as booking_service
from storage import parents
from storage.models import Appointment, Parent
from tests.chat import Chat

# Monday 23 November 2026, 08:00 in Sofia.
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def appointments(services: Services) -> list[Appointment]:
    with services.db.session() as session:
        return list(session.exec(select(Appointment)).all())


async def to_time_step(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    await chat.tap("book:day:2026-11-24")


async def test_whole_conversation(chat: Chat, services: Services) -> None:
    await chat.send("📅 Запазете час")
    assert "тема" in chat.last_text()
    assert "book:topic:consulting" in chat.callback_data()
    await chat.tap("book:topic:consulting")
    assert "⚠️" in chat.last_text()
    await chat.send("Въпрос за училището 📚")
    assert "Изберете ден" in chat.last_text()
    labels = [label for label, _ in chat.buttons()]
    assert "днес, понеделник, 23 ноември" in labels
    assert "утре, вторник, 24 ноември" in labels
    await chat.tap("book:day:2026-11-24")
    assert "Изберете час" in chat.last_text()
    assert [label for label, _ in chat.buttons()][:3] == ["09:00", "10:00", "11:00"]
    await chat.press("10:00")
    assert "Съгласни ли сте" in chat.last_text()
    await chat.tap("book:consent:yes")
    assert "Как да се обръщаме към Вас" in chat.last_text()
    await chat.send("Мария Иванова")
    assert "телефон" in chat.reply_texts()
    for bad in ("12345", "my phone", "0888"):
        await chat.send(bad)
        assert "не изглежда правилен" in chat.reply_texts()
    await chat.send("0888 123 456")
    summary = chat.last()
    assert "Мария Иванова" in summary.text and "0888 123 456" in summary.text
    assert "утре, вторник, 24 ноември, 10:00 ч." in summary.text
    assert appointments(services) == []  # nothing booked before Потвърди
    await chat.tap("book:confirm", message_id=summary.message_id)
    assert "Заявката Ви е изпратена" in chat.reply_texts()
    saved = appointments(services)
    assert len(saved) == 1 and saved[0].status == "pending"
    assert saved[0].note == "Въпрос за училището 📚"
    stored = parents.find(services.db, chat.user_id)
    assert stored is not None and stored.phone == "+359888123456"
    assert stored.consent_at == NOW
    # A double tap on Потвърди books once and says the same.
    await chat.tap("book:confirm", message_id=summary.message_id)
    assert "Заявката Ви е изпратена" in chat.reply_texts()
    assert len(appointments(services)) == 1


async def test_shared_contact_and_returning_parent(chat: Chat, services: Services) -> None:
    await to_time_step(chat)
    await chat.press("09:00")
    await chat.tap("book:consent:yes")
    await chat.send("Иван")
    await chat.share_contact("359888765432")
    assert "0888 765 432" in chat.last_text()
    await chat.tap("book:confirm")
    assert len(appointments(services)) == 1
    # Second booking: consent, name and phone are remembered.
    await to_time_step(chat)
    await chat.press("11:00")
    assert "Моля, проверете" in chat.last_text() and "Иван" in chat.last_text()
    await chat.tap("book:confirm")
    assert len(appointments(services)) == 2
    # A third is explained, not dropped.
    await chat.send("📅 Запазете час")
    assert "2 запазени часа" in chat.last_text()
    assert "my:list" in chat.callback_data()


async def test_free_text_where_a_button_is_expected(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.send("iskam chas utre")
    assert "изберете с бутоните" in chat.reply_texts()
    assert "book:topic:consulting" in chat.callback_data()
    await chat.tap("book:topic:other")
    await chat.tap("book:skip")
    await chat.send("vtornik")
    assert "изберете с бутоните" in chat.reply_texts()
    assert "book:day:2026-11-24" in chat.callback_data()


async def test_stale_day_button_after_the_day_filled(chat: Chat, services: Services) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    # Meanwhile other parents take every place on Tuesday.
    tz = services.settings.tz
    with services.db.session() as session:
        from storage import slots

        tuesday = slots.free_slots(session, tz, datetime(2026, 11, 24).date(), NOW)
    for i, slot in enumerate(tuesday):
        booking_service.book(
            services.db, telegram_user_id=9000 + i, chat_id=9000 + i, topic="other", note=None,
            start=slot.start, request_key=f"x{i}", tz=tz, now=NOW,
        )  # fmt: skip
    await chat.tap("book:day:2026-11-24")
    assert "За съжаление, за вторник, 24 ноември вече няма свободни часове." in chat.last_text()
    assert "book:day:2026-11-24" not in chat.callback_data()
    assert "book:day:2026-11-25" in chat.callback_data()


async def test_slot_taken_before_confirm_offers_nearest(chat: Chat, services: Services) -> None:
    await to_time_step(chat)
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("Мария")
    await chat.send("+359888123456")
    booking_service.book(
        services.db, telegram_user_id=42, chat_id=42, topic="other", note=None,
        start=datetime(2026, 11, 24, 8, tzinfo=UTC), request_key="other", tz=services.settings.tz,
        now=NOW,
    )  # fmt: skip
    await chat.tap("book:confirm")
    assert "беше зает" in chat.last_text()
    times = chat.callback_data("book:time:")
    assert len(times) == 3
    await chat.tap(times[0])
    assert "Моля, проверете" in chat.last_text()
    await chat.tap("book:confirm")
    assert "Заявката Ви е изпратена" in chat.reply_texts()
    assert len(appointments(services)) == 2


async def test_back_and_cancel(chat: Chat, services: Services) -> None:
    await to_time_step(chat)
    await chat.tap("book:back")
    assert "Изберете ден" in chat.last_text()
    await chat.tap("book:back")
    assert "⚠️" in chat.last_text()
    await chat.tap("book:back")
    assert "тема" in chat.last_text()
    await chat.send("/cancel")
    assert "Нищо не е запазено" in chat.last_text()
    await chat.send("здравейте")  # the conversation is over: the FAQ/fallback answers
    assert "изберете с бутоните" not in chat.reply_texts()
    assert appointments(services) == []


async def test_consent_question_says_how_long_we_keep_the_data(
    chat: Chat, services: Services
) -> None:
    """Name and phone are remembered for later bookings and kept up to RETENTION_DAYS."""
    await to_time_step(chat)
    await chat.press("10:00")
    text = chat.last_text()
    assert "само за този час" not in text
    assert f"{services.settings.retention_days} дни" in text and "/forget" in text


async def test_consent_refused_ends_kindly(chat: Chat, services: Services) -> None:
    await to_time_step(chat)
    await chat.press("10:00")
    await chat.tap("book:consent:no")
    assert "0373 9 10 76" in chat.reply_texts()
    with services.db.session() as session:
        assert session.exec(select(Parent)).all() == []


async def test_menu_button_ends_booking_and_is_answered(chat: Chat) -> None:
    await to_time_step(chat)
    await chat.send("☎️ Контакти")
    assert "0373 9 10 76" in chat.reply_texts()
    await chat.send("какво")
    assert "изберете с бутоните" not in chat.reply_texts()


@pytest.fixture
def production_logging() -> Iterator[None]:
    """The bot's own logging set-up at DEBUG (PTB's request dumps stay at WARNING)."""
    names = ("", "httpx", "aiohttp", "telegram", "apscheduler")
    saved = {name: logging.getLogger(name).level for name in names}
    configure("DEBUG")
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


async def test_phone_and_name_never_logged(
    production_logging: None, chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await to_time_step(chat)
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("Радостина Петкова")
    await chat.send("0888 765 432")
    await chat.tap("book:confirm")
    assert "Заявката Ви е изпратена" in chat.reply_texts()
    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {getattr(r, 'exc_text', '')}" for r in caplog.records
    )
    assert caplog.records
    for secret in ("Радостина", "Петкова", "0888 765 432", "888765432", "765 432"):
        assert secret not in logged


async def test_idle_booking_times_out_politely(app: Any, chat: Chat) -> None:
    assert app.job_queue is not None
    await app.job_queue.start()
    try:
        await chat.send("📅 Запазете час")
        await chat.tap("book:topic:consulting")
        jobs = [j for j in app.job_queue.jobs() if "timeout" in j.name.lower()]
        assert len(jobs) == 1
        await jobs[0].run(app)  # what the JobQueue does after 30 idle minutes
        assert "дълго нямаше отговор" in chat.last_text()
        await chat.send("vtornik")  # the conversation is over: no "choose a button"
        assert "изберете с бутоните" not in chat.reply_texts()
    finally:
        await app.job_queue.stop(wait=False)


async def test_long_note_and_emoji_are_kept_short(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:other")
    await chat.send("😀" + "а" * 4095)
    assert "Изберете ден" in chat.last_text()
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("х" * 4096)
    assert "Не успях да разбера името" in chat.reply_texts()


async def test_days_come_in_pages_of_a_week(chat: Chat) -> None:
    await chat.send("/book")
    await chat.tap("book:topic:rights")
    await chat.tap("book:skip")
    first = chat.callback_data("book:day:")
    assert first[0] == "book:day:2026-11-23" and "book:day:2026-11-30" not in first
    await chat.tap("book:page:1")
    second = chat.callback_data("book:day:")
    assert second[0] == "book:day:2026-11-30" and len(second) == 5
    assert "book:page:0" in chat.callback_data() and "book:page:2" in chat.callback_data()


async def test_a_slow_staff_card_does_not_hold_the_parent(
    chat: Chat, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The staff group takes 20 messages a minute: the card must not wait in the update.

    The card is an outbox row of the booking's own transaction (a crash after the commit
    cannot lose it); the dispatcher sends it beside the update."""
    from admin.telegram import outbox as telegram_outbox
    from bot.background import settle
    from storage.models import Outbox

    gate = asyncio.Event()
    real_dispatch = telegram_outbox.dispatch

    async def slow_dispatch(bot: Any, services: Services, **kwargs: Any) -> Any:
        await gate.wait()
        return await real_dispatch(bot, services, **kwargs)

    monkeypatch.setattr(telegram_outbox, "dispatch", slow_dispatch)
    await to_time_step(chat)
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("Мария")
    await chat.send("0888 123 456")
    update = make_callback(
        chat.app.bot, chat.user_id, "book:confirm", message_id=chat.last().message_id or 1
    )
    # The update is done while the card still waits (no clock involved: it never returns
    # if the card is awaited inside it).
    await asyncio.wait_for(chat.app.process_update(update), timeout=5)
    (booked,) = appointments(services)
    with services.db.read() as session:
        (card,) = session.exec(select(Outbox).where(Outbox.kind == "staff_card")).all()
    assert (card.appointment_id, card.state) == (booked.id, "pending")
    assert not chat.fake.sent("sendMessage", chat_id=services.settings.staff_chat_id)
    gate.set()
    await settle()
    (sent,) = chat.fake.sent("sendMessage", chat_id=services.settings.staff_chat_id)
    assert f"№{booked.id}" in str(sent.text)


async def test_start_during_booking_starts_afresh(chat: Chat) -> None:
    await to_time_step(chat)
    await chat.send("/start")
    assert "Здравейте" in chat.reply_texts()
    await chat.send("kude se namirate")  # a question, not a stray answer to the booking
    assert "изберете с бутоните" not in chat.reply_texts()
    assert "Дружба" in chat.reply_texts()


async def test_privacy_during_booking_keeps_the_step(chat: Chat) -> None:
    await to_time_step(chat)
    await chat.press("10:00")
    assert "Съгласни ли сте" in chat.last_text()
    await chat.send("/privacy")
    assert chat.replies()
    await chat.tap("book:consent:yes")
    assert "Как да се обръщаме към Вас" in chat.last_text()
