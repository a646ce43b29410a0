"""Notices are outbox rows written with the change; cards say honestly whether the parent
was told; a parent Telegram refuses is shown to staff, on the card and in /undelivered."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from admin.telegram.notify import announce_new_booking
from bot.fakeapi import FakeBotAPI, Fault
from bot.services import Services
from storage.models import Outbox
from storage.outbox import Kind
from tests.admin.conftest import PARENT_ID, STAFF_CHAT, add_appointment, add_parent, at
from tests.chat import Chat


def _outbox(services: Services) -> list[Outbox]:
    with services.db.read() as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))))


async def _carded(services: Services, app: Any) -> int:
    parent = add_parent(services.db)
    appointment_id = add_appointment(services.db, parent, at(24, 10))
    await announce_new_booking(app.bot, services, appointment_id)
    return appointment_id


def _card_now(fake: FakeBotAPI) -> str:
    """The card as staff see it now: the last text sent or edited in the staff group."""
    calls = [c for c in fake.calls if c.chat_id == STAFF_CHAT and c.method != "sendMessage"]
    edits = [c for c in calls if c.method == "editMessageText"]
    return str(edits[-1].text)


async def test_confirm_writes_the_parents_message_with_the_change(
    services: Services, app: Any, admin_chat: Chat, parent_chat: Chat, fake_api: FakeBotAPI
) -> None:
    appointment_id = await _carded(services, app)
    fake_api.clear()
    await admin_chat.tap(f"st:ok:{appointment_id}")
    rows = [r for r in _outbox(services) if r.appointment_id == appointment_id]
    parent_rows = [r for r in rows if r.kind == Kind.parent_notice]
    assert [r.chat_id for r in parent_rows] == [PARENT_ID, PARENT_ID]  # the text, the .ics
    assert all(r.state == "sent" and r.message_id for r in parent_rows)
    # The toast does not claim what has not happened yet.
    answers = [str(c.params.get("text")) for c in fake_api.sent("answerCallbackQuery")]
    assert answers == ["Потвърдено. Съобщението до родителя се изпраща."]
    # Staff read "уведомен" only after Telegram took the parent's messages.
    order = [(c.method, c.chat_id) for c in fake_api.calls if c.method != "answerCallbackQuery"]
    last_parent = max(i for i, (_, chat) in enumerate(order) if chat == PARENT_ID)
    told = [
        i
        for i, c in enumerate(c for c in fake_api.calls if c.method != "answerCallbackQuery")
        if c.method == "editMessageText" and "Родителят е уведомен" in str(c.text)
    ]
    assert told and min(told) > last_parent
    assert "📨 Родителят е уведомен" in _card_now(fake_api)


async def test_a_blocked_parent_is_shown_to_staff(
    services: Services, app: Any, admin_chat: Chat, fake_api: FakeBotAPI
) -> None:
    appointment_id = await _carded(services, app)
    fake_api.fail("sendMessage", Fault(403, "Forbidden: bot was blocked by the user"))
    await admin_chat.tap(f"st:ok:{appointment_id}")
    assert not fake_api.sent("sendDocument", chat_id=PARENT_ID)  # nothing more after a 403
    card = _card_now(fake_api)
    assert "Не успяхме да уведомим родителя — обадете се на 0888 123 456" in card
    assert "Родителят е уведомен" not in card
    lines = [str(c.text) for c in fake_api.sent("sendMessage", chat_id=STAFF_CHAT)]
    assert any("Не успяхме да уведомим Мария Петрова" in line for line in lines)
    await admin_chat.send("/undelivered")
    listed = admin_chat.last_text()
    assert "не стигнаха" in listed and "Мария Петрова" in listed


async def test_chat_not_found_fails_at_once_and_is_listed(
    services: Services, app: Any, admin_chat: Chat, fake_api: FakeBotAPI
) -> None:
    appointment_id = await _carded(services, app)
    fake_api.fail("sendMessage", Fault(400, "Bad Request: chat not found"))
    await admin_chat.tap(f"st:no:{appointment_id}")
    await admin_chat.tap(f"st:r:d:{appointment_id}:0")
    (row,) = [r for r in _outbox(services) if r.kind == Kind.parent_notice]
    assert (row.state, row.attempts) == ("failed", 1)
    assert "обадете се на 0888 123 456" in _card_now(fake_api)


async def test_a_server_error_is_retried_later_not_lost(
    services: Services, app: Any, admin_chat: Chat, fake_api: FakeBotAPI
) -> None:
    appointment_id = await _carded(services, app)
    fake_api.fail("sendMessage", Fault(502, "Bad Gateway"))
    await admin_chat.tap(f"st:ok:{appointment_id}")
    text_row, document_row = [r for r in _outbox(services) if r.kind == Kind.parent_notice]
    assert (text_row.state, text_row.attempts, text_row.last_error) == (
        "pending",
        1,
        "NetworkError",
    )
    # The .ics waits behind it (per-chat order), and the card does not say "уведомен".
    assert document_row.state == "pending" and not fake_api.sent("sendDocument")
    assert "Изпращаме съобщение на родителя" in _card_now(fake_api)
