"""A parent books through the real conversation; staff confirm; the parent cancels."""

from __future__ import annotations

from sqlmodel import select

from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.models import Appointment
from tests.admin.conftest import STAFF_CHAT
from tests.chat import Chat


async def test_book_confirm_cancel(
    services: Services, parent_chat: Chat, admin_chat: Chat, fake_api: FakeBotAPI
) -> None:
    chat = parent_chat
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    await chat.send("Мария Иванова")
    await chat.send("0888 123 456")
    await chat.tap("book:confirm", message_id=chat.last().message_id)
    with services.db.session() as session:
        appointment = session.exec(select(Appointment)).one()
    assert appointment.id is not None

    card = fake_api.sent("sendMessage", chat_id=STAFF_CHAT)[-1]
    assert "Мария Иванова" in card.text and "+359888123456" in card.text
    assert "вторник, 24.11, 10:00" in card.text and "1 записване" in card.text

    await admin_chat.tap(f"st:ok:{appointment.id}", message_id=card.message_id)
    assert any("Часът Ви е потвърден" in c.text for c in chat.visible())
    assert fake_api.sent("sendDocument", chat_id=chat.user_id)

    await chat.tap(f"my:cancel:{appointment.id}")
    await chat.tap(f"my:cancelok:{appointment.id}")
    line = fake_api.sent("sendMessage", chat_id=STAFF_CHAT)[-1]
    assert "Родителят отмени часа: Мария Иванова, вторник, 24.11, 10:00" in line.text
    assert line.params.get("reply_parameters")
    edited = fake_api.sent("editMessageText", chat_id=STAFF_CHAT)[-1]
    assert edited.message_id == card.message_id and "Отменен от родителя" in edited.text
