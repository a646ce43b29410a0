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

    await week.open()
    assert "✅" in await week.grid_text() and "Мария Иванова" in await week.grid_text()
