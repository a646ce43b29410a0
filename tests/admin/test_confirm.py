"""New booking card, Потвърди / Откажи / Друг час end to end, and two staff tapping at once."""

from __future__ import annotations

import asyncio
from typing import Any

from icalendar import Calendar
from sqlmodel import select

from admin.telegram.notify import announce_new_booking, announce_parent_change
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from bot.updates import make_callback
from storage.models import AuditEntry, StaffCard
from tests.admin.conftest import (
    ADMIN_ID,
    PARENT_ID,
    SOFIA,
    STAFF_CHAT,
    STAFF_ID,
    add_appointment,
    add_parent,
    at,
    callback_answers,
    get_appointment,
)
from tests.chat import Chat


async def _booked(services: Services, app: Any) -> int:
    parent = add_parent(services.db)
    add_appointment(services.db, parent, at(10, 10), status="attended")  # an earlier visit
    appointment_id = add_appointment(services.db, parent, at(24, 10))
    await announce_new_booking(app.bot, services, appointment_id)
    return appointment_id


def _card(fake: FakeBotAPI) -> Any:
    return fake.sent("sendMessage", chat_id=STAFF_CHAT)[-1]


async def test_card_shows_the_booking(
    services: Services, app: Any, fake_api: FakeBotAPI, team: None
) -> None:
    appointment_id = await _booked(services, app)
    card = _card(fake_api)
    assert "вторник, 24.11, 10:00" in card.text
    assert "Мария Петрова" in card.text and "+359888123456" in card.text
    assert "Консултация за родители" in card.text
    assert "Детето не иска да ходи на училище" in card.text
    assert "2 записвания" in card.text and "⏳" in card.text
    assert [d for _, d in card.buttons()] == [
        f"st:ok:{appointment_id}",
        f"st:no:{appointment_id}",
        f"st:mv:{appointment_id}",
    ]
    with services.db.session() as session:
        cards = list(session.exec(select(StaffCard)))
    assert [(c.chat_id, c.message_id) for c in cards] == [(STAFF_CHAT, card.message_id)]


async def test_without_a_staff_chat_each_member_gets_the_card(
    services: Services, app: Any, fake_api: FakeBotAPI, team: None
) -> None:
    services.settings.staff_chat_id = None
    appointment_id = await _booked(services, app)
    chats = sorted(c.chat_id for c in fake_api.sent("sendMessage") if c.chat_id)
    assert chats == [ADMIN_ID, STAFF_ID]
    # A later change edits both cards in place.
    fake_api.clear()
    await announce_parent_change(app.bot, services, appointment_id, "cancelled")
    assert sorted(c.chat_id for c in fake_api.sent("editMessageText")) == [ADMIN_ID, STAFF_ID]


async def test_a_telegram_error_never_reaches_the_parent(
    services: Services, app: Any, fake_api: FakeBotAPI, team: None
) -> None:
    from bot.fakeapi import Fault

    fake_api.fail("sendMessage", Fault(400, "Bad Request: chat not found"))
    await _booked(services, app)  # no exception
    await announce_parent_change(app.bot, services, 12345, "moved")  # unknown id: no exception


async def test_confirm_tells_the_parent_and_edits_the_card(
    services: Services, admin_chat: Chat, parent_chat: Chat, fake_api: FakeBotAPI, app: Any
) -> None:
    appointment_id = await _booked(services, app)
    await admin_chat.tap(f"st:ok:{appointment_id}")

    assert get_appointment(services.db, appointment_id).status == "confirmed"
    told = parent_chat.visible()
    text = told[0].text
    assert "Часът Ви е потвърден" in text and "утре, вторник, 24 ноември, 10:00 ч." in text
    assert "кв. „Дружба“ 7А" in text
    assert services.content.booking.what_to_expect in text
    assert "Моите часове" in text and "0373 9 10 76" in text
    document = told[1]
    assert document.method == "sendDocument"
    name, data = document.files["document"]
    assert name.endswith(".ics")
    event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Sofia"
    assert (start.hour, start.minute) == (10, 0)

    edit = fake_api.sent("editMessageText", chat_id=STAFF_CHAT)[-1]
    assert "Потвърден от Ива" in edit.text and "23.11" in edit.text
    assert edit.buttons() == []
    with services.db.session() as session:
        audit = list(session.exec(select(AuditEntry).where(AuditEntry.to_status == "confirmed")))
    assert audit[0].actor == f"staff:{ADMIN_ID} Ива"


async def test_double_tap_one_wins_the_other_sees_who(
    services: Services, admin_chat: Chat, staff_chat: Chat, fake_api: FakeBotAPI, app: Any
) -> None:
    appointment_id = await _booked(services, app)
    card = _card(fake_api)
    updates = [
        make_callback(
            app.bot,
            user,
            f"st:ok:{appointment_id}",
            message_id=card.message_id,
            chat_id=STAFF_CHAT,
        )
        for user in (ADMIN_ID, STAFF_ID)
    ]
    await asyncio.gather(*(app.process_update(u) for u in updates))

    assert get_appointment(services.db, appointment_id).status == "confirmed"
    assert len(fake_api.sent("sendDocument", chat_id=PARENT_ID)) == 1
    answers = callback_answers(fake_api)
    assert any("Потвърдено" in a for a in answers)
    winner = get_appointment(services.db, appointment_id).handled_by
    assert any("Вече е потвърден" in a and str(winner) in a for a in answers)


async def test_decline_with_a_preset_reason(
    services: Services, staff_chat: Chat, parent_chat: Chat, app: Any, fake_api: FakeBotAPI
) -> None:
    appointment_id = await _booked(services, app)
    await staff_chat.tap(f"st:no:{appointment_id}")
    reasons = staff_chat.callback_data("st:r:d:")
    assert len(reasons) == len(services.content.booking.decline_reasons) + 1
    await staff_chat.tap(reasons[1])

    row = get_appointment(services.db, appointment_id)
    assert row.status == "declined" and row.decline_reason == "Специалистът отсъства"
    text = parent_chat.last_text()
    assert "За съжаление не можем да Ви приемем" in text and "Специалистът отсъства" in text
    assert parent_chat.callback_data() == ["book:start"]
    assert "Отказан от Петър" in fake_api.sent("editMessageText", chat_id=STAFF_CHAT)[-1].text


async def test_decline_with_a_typed_reason(
    services: Services, staff_chat: Chat, parent_chat: Chat, app: Any, fake_api: FakeBotAPI
) -> None:
    appointment_id = await _booked(services, app)
    await staff_chat.tap(f"st:no:{appointment_id}")
    await staff_chat.tap(f"st:r:d:{appointment_id}:x")
    assert "Напишете причината" in staff_chat.last_text()
    # In the group, the reply field opens only for the one who pressed: named in the text.
    prompt = fake_api.sent("sendMessage", chat_id=STAFF_CHAT)[-1]
    name = prompt.params["entities"][0]["user"]["first_name"]
    assert prompt.text.startswith(f"{name}, ")
    assert prompt.params["reply_markup"]["selective"] is True
    mention = prompt.params["entities"][0]
    assert mention["type"] == "text_mention" and mention["user"]["id"] == STAFF_ID
    assert (mention["offset"], mention["length"]) == (0, len(name))
    # Other talk in the group is not the reason: only a reply to the prompt counts.
    await staff_chat.send("Колеги, днес съм в отпуск")
    assert get_appointment(services.db, appointment_id).status == "pending"
    await staff_chat.answer_prompt("Болничен до края на седмицата")
    assert "Съобщението до родителя се изпраща" in staff_chat.reply_texts()
    row = get_appointment(services.db, appointment_id)
    assert row.status == "declined" and row.decline_reason == "Болничен до края на седмицата"
    assert "Болничен до края на седмицата" in parent_chat.last_text()
    # The next message is an ordinary one again.
    await staff_chat.send("/today")
    assert "Днес" in staff_chat.last_text()


async def test_propose_another_time_accepted(
    services: Services, staff_chat: Chat, parent_chat: Chat, app: Any, fake_api: FakeBotAPI
) -> None:
    appointment_id = await _booked(services, app)
    await staff_chat.tap(f"st:mv:{appointment_id}")
    slots = staff_chat.callback_data("st:ms:")
    assert slots, staff_chat.buttons()
    labels = [label for label, d in staff_chat.buttons() if d and d.startswith("st:ms:")]
    assert labels[0] == "понеделник, 23.11, 10:00"  # lead time: two hours from 08:00
    wanted = next(d for label, d in staff_chat.buttons() if label == "вторник, 24.11, 11:00")
    await staff_chat.tap(wanted)

    assert "предлага друг час: утре, вторник, 24 ноември, 11:00 ч." in parent_chat.last_text()
    assert parent_chat.callback_data() == [
        f"prop:yes:{appointment_id}",
        f"prop:no:{appointment_id}",
    ]
    assert "Предложен друг час" in fake_api.sent("editMessageText", chat_id=STAFF_CHAT)[-1].text

    await parent_chat.tap(f"prop:yes:{appointment_id}")
    row = get_appointment(services.db, appointment_id)
    assert row.status == "confirmed" and row.proposed_start is None
    assert row.start == at(24, 11)
    assert "Часът Ви е потвърден: утре, вторник, 24 ноември, 11:00 ч." in parent_chat.reply_texts()
    assert fake_api.sent("sendDocument", chat_id=PARENT_ID)
    assert any(
        "прие предложения час" in c.text for c in fake_api.sent("sendMessage", chat_id=STAFF_CHAT)
    )


async def test_propose_refused_and_forged_answers(
    services: Services,
    staff_chat: Chat,
    parent_chat: Chat,
    other_parent_chat: Chat,
    app: Any,
    fake_api: FakeBotAPI,
) -> None:
    appointment_id = await _booked(services, app)
    await staff_chat.tap(f"st:mv:{appointment_id}")
    await staff_chat.tap(staff_chat.callback_data("st:ms:")[2])

    await other_parent_chat.tap(f"prop:yes:{appointment_id}")
    assert "Не успях да разбера" in other_parent_chat.last_text()
    assert get_appointment(services.db, appointment_id).start == at(24, 10)

    await parent_chat.tap(f"prop:no:{appointment_id}")
    row = get_appointment(services.db, appointment_id)
    assert row.status == "pending" and row.proposed_start is None and row.start == at(24, 10)
    assert "Благодарим Ви за отговора" in parent_chat.last_text()
    assert any(
        "не прие предложения час" in c.text
        for c in fake_api.sent("sendMessage", chat_id=STAFF_CHAT)
    )
    await parent_chat.tap(f"prop:yes:{appointment_id}")
    assert "вече не е актуално" in parent_chat.last_text()


async def test_non_staff_cannot_use_staff_buttons(
    services: Services, parent_chat: Chat, other_parent_chat: Chat, app: Any, team: None
) -> None:
    appointment_id = await _booked(services, app)
    for data in (
        f"st:ok:{appointment_id}",
        f"st:no:{appointment_id}",
        f"st:r:d:{appointment_id}:0",
        f"st:mv:{appointment_id}",
        f"st:open:{appointment_id}",
        f"st:att:{appointment_id}",
        "st:cl:20261124",
    ):
        await other_parent_chat.tap(data)
        assert "Не успях да разбера" in other_parent_chat.last_text(), data
    for command in ("/today", "/pending", "/find Мария", "/stats", "/close 24.12", "/export"):
        await parent_chat.send(command)
        assert "Не успях да разбера" in parent_chat.last_text(), command
    row = get_appointment(services.db, appointment_id)
    assert row.status == "pending" and row.handled_by is None


async def test_staff_in_a_group_refused_silently_when_removed(
    services: Services, staff_chat: Chat, app: Any, fake_api: FakeBotAPI
) -> None:
    from admin import staff as staff_service

    appointment_id = await _booked(services, app)
    staff_service.remove(services.db, STAFF_ID)
    before = len(fake_api.sent("sendMessage", chat_id=STAFF_CHAT))
    await staff_chat.tap(f"st:ok:{appointment_id}")
    assert len(fake_api.sent("sendMessage", chat_id=STAFF_CHAT)) == before
    assert get_appointment(services.db, appointment_id).status == "pending"
    assert SOFIA  # the card stays as it was


async def test_parent_texts_name_the_time_plainly(
    services: Services, staff_chat: Chat, parent_chat: Chat, app: Any
) -> None:
    """No "ч.." and no "в утре": the time is said once, as people say it."""
    declined = await _booked(services, app)
    await staff_chat.tap(f"st:no:{declined}")
    await staff_chat.tap(staff_chat.callback_data("st:r:d:")[1])
    text = parent_chat.last_text()
    assert "не можем да Ви приемем: утре, вторник, 24 ноември, 10:00 ч.\n" in text

    proposed = add_appointment(services.db, get_appointment(services.db, declined).parent_id,
                               at(25, 10))  # fmt: skip
    await staff_chat.tap(f"st:mv:{proposed}")
    wanted = next(d for label, d in staff_chat.buttons() if label == "вторник, 24.11, 09:00")
    await staff_chat.tap(wanted)
    assert "друг час: утре, вторник, 24 ноември, 09:00 ч. Удобен ли е" in parent_chat.last_text()

    await staff_chat.tap(f"st:ok:{proposed}")
    await staff_chat.tap(f"st:cx:{proposed}")
    await staff_chat.tap(staff_chat.callback_data("st:r:c:")[0])
    assert "центърът отказа часа Ви: сряда, 25 ноември" in parent_chat.last_text()
    for call in parent_chat.visible():
        assert "ч.." not in call.text and " в утре" not in call.text, call.text


async def test_parent_cancel_during_a_proposal_is_the_parents(
    services: Services, staff_chat: Chat, parent_chat: Chat, app: Any, fake_api: FakeBotAPI
) -> None:
    """The card drops the open proposal, and a late Потвърди does not name the staff member."""
    appointment_id = await _booked(services, app)
    await staff_chat.tap(f"st:mv:{appointment_id}")
    await staff_chat.tap(staff_chat.callback_data("st:ms:")[2])
    await parent_chat.tap(f"my:cancel:{appointment_id}")
    await parent_chat.tap(f"my:cancelok:{appointment_id}")

    row = get_appointment(services.db, appointment_id)
    assert row.status == "cancelled_by_parent" and row.proposed_start is None
    card = fake_api.sent("editMessageText", chat_id=STAFF_CHAT)[-1].text
    assert "Отменен от родителя" in card and "Предложен друг час" not in card

    fake_api.clear()
    await staff_chat.tap(f"st:ok:{appointment_id}")
    answer = callback_answers(fake_api)[-1]
    assert "Вече е отменен от родителя" in answer and "Петър" not in answer


async def test_a_typed_reason_in_the_staff_group_gets_the_numbers_and_is_kept(
    services: Services, staff_chat: Chat, parent_chat: Chat, app: Any
) -> None:
    """The crisis answer is never skipped, not for staff typing a reason in the group."""
    appointment_id = await _booked(services, app)
    await staff_chat.tap(f"st:no:{appointment_id}")
    await staff_chat.tap(f"st:r:d:{appointment_id}:x")
    await staff_chat.answer_prompt("Бащата бие детето — насочваме към ДСП")
    assert "116 111" in staff_chat.reply_texts()
    assert "Съобщението до родителя се изпраща" in staff_chat.reply_texts()
    row = get_appointment(services.db, appointment_id)
    assert row.status == "declined" and "ДСП" in (row.decline_reason or "")
