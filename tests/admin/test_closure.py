"""Closing a day with appointments: the list of hits, notifying parents, opening again."""

from __future__ import annotations

from typing import Any

from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.models import ClosedDay
from tests.admin.conftest import (
    OTHER_PARENT_ID,
    PARENT_ID,
    add_appointment,
    add_parent,
    at,
    get_appointment,
)
from tests.chat import Chat


async def test_close_a_day_and_notify_parents(
    services: Services, admin_chat: Chat, staff_chat: Chat, fake_api: FakeBotAPI, app: Any
) -> None:
    maria = add_parent(services.db)
    ivan = add_parent(services.db, OTHER_PARENT_ID, name="Иван Колев", phone="+359877555444")
    confirmed = add_appointment(services.db, maria, at(24, 10), status="confirmed")
    waiting = add_appointment(services.db, ivan, at(24, 14, 30))
    untouched = add_appointment(services.db, ivan, at(25, 10))
    gone = add_appointment(services.db, maria, at(24, 9), status="cancelled_by_parent")

    await staff_chat.send("/close 24.11 обучение")
    assert "Не успях" not in staff_chat.last_text()
    with services.db.session() as session:
        assert session.get(ClosedDay, 1) is None

    await admin_chat.send("/close 24.11 Екипът е на обучение")
    text = admin_chat.last_text()
    assert "24.11.2026 е затворен" in text
    assert "Мария Петрова" in text and "Иван Колев" in text
    data = admin_chat.callback_data()
    assert data[-1] == "st:cl:20261124"
    assert f"st:open:{gone}" not in data

    # The closed day offers no slot any more.
    from admin.slots import free_slots

    with services.db.session() as session:
        slots = free_slots(session, now=services.now(), tz=services.settings.tz)
    assert all(s.astimezone(services.settings.tz).day != 24 for s in slots)

    await admin_chat.tap("st:cl:20261124")
    for appointment_id in (confirmed, waiting):
        row = get_appointment(services.db, appointment_id)
        assert row.status == "cancelled_by_staff" and row.cancel_reason == "Екипът е на обучение"
    assert get_appointment(services.db, untouched).status == "pending"
    for parent in (PARENT_ID, OTHER_PARENT_ID):
        told = fake_api.sent("sendMessage", chat_id=parent)[-1]
        assert "центърът отказа часа Ви" in told.text and "Екипът е на обучение" in told.text
        assert told.buttons() == [("📅 Изберете друг час", "book:start")]
    assert "Отменени часове: 2" in admin_chat.last_text()

    await admin_chat.send("/open 24.11.2026")
    assert "отново е отворен" in admin_chat.last_text()
    await admin_chat.send("/open 24.11.2026")
    assert "не беше затворен" in admin_chat.last_text()


async def test_close_needs_a_date(services: Services, admin_chat: Chat) -> None:
    await admin_chat.send("/close")
    assert "/close 24.12.2026" in admin_chat.last_text()
    await admin_chat.send("/close 01.01.2020")
    assert "/close 24.12.2026" in admin_chat.last_text()
    await admin_chat.send("/close 25.12")
    assert "Няма засегнати часове" in admin_chat.last_text()
