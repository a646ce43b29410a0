"""Send a reminder now, pages of free slots, a proposal whose slot filled meanwhile."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from admin.telegram.notify import announce_new_booking
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.models import AuditEntry
from tests.admin.conftest import (
    ADMIN_ID,
    OTHER_PARENT_ID,
    PARENT_ID,
    STAFF_CHAT,
    STAFF_ID,
    add_appointment,
    add_parent,
    at,
    callback_answers,
    get_appointment,
)
from tests.chat import Chat


async def test_send_reminder_now(
    services: Services, staff_chat: Chat, fake_api: FakeBotAPI
) -> None:
    parent = add_parent(services.db)
    confirmed = add_appointment(services.db, parent, at(24, 10), status="confirmed")
    waiting = add_appointment(services.db, parent, at(25, 10))
    await staff_chat.tap(f"st:rem:{waiting}")
    assert "само за потвърден час" in callback_answers(fake_api)[-1]

    await staff_chat.tap(f"st:rem:{confirmed}")
    assert callback_answers(fake_api)[-1] == "Напомнянето е изпратено."
    reminder = fake_api.sent("sendMessage", chat_id=PARENT_ID)[-1]
    assert "Напомняне" in reminder.text
    with services.db.session() as session:
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.action == "reminder_manual")
        ).one()
    assert audit.actor == f"staff:{STAFF_ID} Петър"


async def test_free_slots_come_in_pages(
    services: Services, staff_chat: Chat, app: Any, fake_api: FakeBotAPI
) -> None:
    parent = add_parent(services.db)
    appointment_id = add_appointment(services.db, parent, at(24, 10))
    await announce_new_booking(app.bot, services, appointment_id)
    await staff_chat.tap(f"st:mv:{appointment_id}")
    first_page = staff_chat.callback_data("st:ms:")
    assert len(first_page) == 8
    assert staff_chat.callback_data("st:mv:") == [f"st:mv:{appointment_id}:8"]
    await staff_chat.tap(f"st:mv:{appointment_id}:8")
    second_page = staff_chat.callback_data("st:ms:")
    assert second_page and not set(first_page) & set(second_page)
    await staff_chat.tap(f"st:back:{appointment_id}")
    assert staff_chat.callback_data() == [
        f"st:ok:{appointment_id}",
        f"st:no:{appointment_id}",
        f"st:mv:{appointment_id}",
    ]


async def test_accepting_a_slot_that_filled_meanwhile(
    services: Services, staff_chat: Chat, parent_chat: Chat, fake_api: FakeBotAPI
) -> None:
    parent = add_parent(services.db)
    other = add_parent(services.db, OTHER_PARENT_ID, name="Иван", phone="+359877555444")
    appointment_id = add_appointment(services.db, parent, at(24, 10))
    await staff_chat.tap(f"st:mv:{appointment_id}")
    await staff_chat.tap(staff_chat.callback_data("st:ms:")[-1])
    proposed = get_appointment(services.db, appointment_id).proposed_start
    assert proposed is not None
    add_appointment(services.db, other, proposed)  # someone booked it meanwhile

    await parent_chat.tap(f"prop:yes:{appointment_id}")
    assert "вече не е свободен" in parent_chat.last_text()
    row = get_appointment(services.db, appointment_id)
    assert row.start == at(24, 10) and row.status == "pending"
    assert any(
        "вече не е свободен" in c.text for c in fake_api.sent("sendMessage", chat_id=STAFF_CHAT)
    )


async def test_a_button_for_a_missing_appointment(
    services: Services, staff_chat: Chat, other_parent_chat: Chat, fake_api: FakeBotAPI
) -> None:
    await staff_chat.tap("st:ok:99999")
    assert "вече не съществува" in callback_answers(fake_api)[-1]
    await other_parent_chat.tap("st:ok:99999")
    assert "Не успях да разбера" in other_parent_chat.last_text()
    await staff_chat.tap("st:unknown:1")
    assert "вече не е активен" in callback_answers(fake_api)[-1]


async def test_a_reason_with_a_crisis_word_in_a_private_staff_chat(
    services: Services, app: Any, fake_api: FakeBotAPI, team: None
) -> None:
    """No staff group: a typed reason or note naming violence gets the numbers and is recorded."""
    services.settings.staff_chat_id = None
    appointment_id = add_appointment(services.db, add_parent(services.db), at(24, 10))
    admin = Chat(app, fake_api, user_id=ADMIN_ID)
    await admin.tap(f"st:note:{appointment_id}")
    await admin.send("Сигнал за насилие, говорихме с ДСП")
    assert "Бележката е записана" in admin.reply_texts() and "112" in admin.reply_texts()
    assert get_appointment(services.db, appointment_id).staff_note == (
        "Сигнал за насилие, говорихме с ДСП"
    )
    await admin.tap(f"st:no:{appointment_id}")
    await admin.tap(f"st:r:d:{appointment_id}:x")
    await admin.send("Насочваме Ви към ДСП заради тормоз в училище")
    assert "116 111" in admin.reply_texts()  # the crisis answer is never skipped, not for staff
    row = get_appointment(services.db, appointment_id)
    assert row.status == "declined" and "тормоз" in (row.decline_reason or "")
    # Outside the typing step the same words still get the crisis numbers at once.
    await admin.send("насилие")
    assert "112" in admin.last_text()


async def test_a_malformed_staff_button_is_still_answered(
    services: Services, staff_chat: Chat, fake_api: FakeBotAPI
) -> None:
    """A failure on a button in the staff group still stops the spinner, with a short note."""
    appointment_id = add_appointment(services.db, add_parent(services.db), at(24, 10))
    for data in (f"st:ms:{appointment_id}:999999999999", "st:cl:20261399"):
        fake_api.clear()
        await staff_chat.tap(data)
        assert fake_api.sent("answerCallbackQuery"), data
        assert "обадете" not in callback_answers(fake_api)[-1]  # staff need no centre phone
    assert get_appointment(services.db, appointment_id).status == "pending"
