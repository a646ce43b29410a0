"""Journeys through the web desk in a real browser, with the bot on the fake Bot API."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.models import Appointment
from tests.admin.conftest import STAFF_CHAT
from tests.chat import Chat
from tests.web.conftest import sign_in_link
from tests.web.pages import AppointmentPage, PendingPage, SearchPage, SignInPage, WeekPage

LINK = re.compile(r"http://\S+/login/\S+")


async def book(chat: Chat, day: str = "2026-11-23", clock: str = "11:00") -> int:
    """A parent books through the real conversation; the new appointment's id."""
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    await chat.tap(f"book:day:{day}")
    await chat.press(clock)
    await chat.tap("book:consent:yes")
    await chat.send("Мария Иванова")
    await chat.send("0888 123 456")
    await chat.tap("book:confirm", message_id=chat.last().message_id)
    services: Services = chat.app.bot_data["services"]
    with services.db.read() as session:
        row = session.exec(select(Appointment).order_by(Appointment.id.desc())).first()  # type: ignore[union-attr]
    assert row is not None and row.id is not None
    return row.id


async def sign_in_from_chat(chat: Chat, page: Any, desk: str) -> None:
    await chat.send("/web")
    match = LINK.search(chat.last_text())
    assert match, chat.last_text()
    await SignInPage(page, desk).sign_in(match.group(0))


async def test_sign_in_with_web_link_then_confirm_a_booking(
    desk: str,
    page: Any,
    admin_private: Chat,
    parent_chat: Chat,
    fake_api: FakeBotAPI,
) -> None:
    await sign_in_from_chat(admin_private, page, desk)
    week = WeekPage(page, desk)
    assert "Влязохте като Ива" in await week.flash()
    assert "Ива" in await week.who()

    appointment_id = await book(parent_chat)
    pending = PendingPage(page, desk)
    await pending.open()
    assert appointment_id in await pending.ids()
    assert "Мария Иванова" in await pending.card(appointment_id).inner_text()

    await pending.confirm(appointment_id)
    assert "Часът е потвърден" in await pending.flash()
    assert appointment_id not in await pending.ids()
    texts = [c.text for c in parent_chat.visible()]
    assert any("Часът Ви е потвърден" in t for t in texts)
    assert fake_api.sent("sendDocument", chat_id=parent_chat.user_id)
    card = fake_api.sent("editMessageText", chat_id=STAFF_CHAT)[-1]
    assert "Потвърден от Ива (от уеб)" in card.text

    page_of = AppointmentPage(page, desk, appointment_id)
    await page_of.open()
    delivered = await page.locator("table.deliveries").inner_text()
    assert "Часът Ви е потвърден" in delivered and "доставено" in delivered
    assert ".ics" in delivered

    await week.open()
    assert "✅" in await week.grid_text() and "Мария Иванова" in await week.grid_text()


async def test_decline_with_a_typed_reason(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat, fake_api: FakeBotAPI
) -> None:
    appointment_id = await book(parent_chat)
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    pending = PendingPage(page, desk)
    await pending.open()
    await pending.decline(appointment_id, typed="Специалистът е на обучение")
    assert "Заявката е отказана" in await pending.flash()
    told = parent_chat.visible()[-1]
    assert "За съжаление не можем да Ви приемем" in told.text
    assert "Причина: Специалистът е на обучение" in told.text
    assert ("📅 Изберете друг час", "book:start") in told.buttons()
    card = fake_api.sent("editMessageText", chat_id=STAFF_CHAT)[-1]
    assert "Отказан от Ива (от уеб)" in card.text


async def test_propose_another_time_and_the_parent_accepts(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    appointment_id = await book(parent_chat)
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    pending = PendingPage(page, desk)
    await pending.open()
    move = await pending.other_time(appointment_id)
    await move.propose("14:00", "вторник, 24 ноември")
    assert "Предложението е изпратено" in await move.flash()
    proposal = parent_chat.visible()[-1]
    assert "Ви предлага друг час" in proposal.text and "14:00" in proposal.text

    await parent_chat.tap(f"prop:yes:{appointment_id}")
    assert any("Часът Ви е потвърден" in c.text for c in parent_chat.replies())
    view = AppointmentPage(page, desk, appointment_id)
    await view.open()
    assert "потвърден" in await view.heading()
    facts = await view.facts()
    assert "вторник, 24 ноември, 14:00" in facts
    assert "родителят прие предложения час" in await view.history()


async def test_mark_attended_and_the_week_shows_it(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    appointment_id = await book(parent_chat)  # today, 11:00
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    view = AppointmentPage(page, desk, appointment_id)
    await view.open()
    await view.press("Потвърди")
    assert "Часът е потвърден" in await view.flash()
    await view.press("Дойде")
    assert "Отбелязано: дойде" in await view.flash()
    assert "☑️" in await view.heading()
    history = await view.history()
    assert "чака → потвърден" in history and "потвърден → дойде" in history

    week = WeekPage(page, desk)
    await week.open()
    assert "☑️" in await week.grid_text()
    today = page.locator("table.grid th.today")
    assert "днес" in await today.inner_text()


async def test_search_by_phone_posts_the_query(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    await book(parent_chat)
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    search = SearchPage(page, desk)
    await search.open()
    found = await search.search("0888 123")
    assert "Мария Иванова" in found
    assert page.url.endswith("/search")  # nothing of the query in the address
    assert "Няма намерени" in await search.search("Петкан")


async def test_a_double_action_has_one_winner(
    desk: str, page: Any, services: Services, parent_chat: Chat, staff_chat: Chat
) -> None:
    appointment_id = await book(parent_chat)
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    pending = PendingPage(page, desk)
    await pending.open()  # the page still shows the request ...
    await staff_chat.tap(f"st:ok:{appointment_id}")  # ... when Петър confirms in Telegram
    await pending.confirm(appointment_id)
    assert "Вече е потвърден: Петър" in await pending.flash()
    with services.db.read() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None and row.handled_by == "Петър" and row.handled_via is None
