"""Ще дойда · Не мога да дойда, end to end through the real Application (tests/chat.py)."""

from __future__ import annotations

from typing import Any

import time_machine
from sqlmodel import select

from admin.telegram.outbox import dispatch
from bot.context import SERVICES_KEY
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.models import Appointment, AuditEntry
from tests.chat import Chat
from tests.reminders.helpers import confirmed, local, open_rows

WEEK_BEFORE = local(2026, 11, 16, 12)
START = local(2026, 11, 24, 10)
EVENING = local(2026, 11, 23, 18)


async def remind(app: Any) -> tuple[Services, int]:
    """A confirmed appointment of user 1001 and its day-before reminder, sent."""
    services = app.bot_data[SERVICES_KEY]
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    await dispatch(app.bot, services)
    return services, appointment_id


def appointment(services: Services, appointment_id: int) -> Appointment:
    with services.db.session() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None
        return row


async def test_coming_is_recorded_and_staff_told(
    app: Any, chat: Chat, staff_changes: list[tuple[int, str]]
) -> None:
    with time_machine.travel(EVENING, tick=False):
        services, appointment_id = await remind(app)
        assert chat.last_text().startswith("Напомняне: утре, вторник, 24 ноември, в 10:00 ч.")
        await chat.press("Ще дойда")
    assert chat.last_text() == "Благодарим Ви! Очакваме Ви утре, вторник, 24 ноември, в 10:00 ч."
    assert chat.last().method == "editMessageText" and chat.last().buttons() == []
    row = appointment(services, appointment_id)
    assert (row.parent_reply, row.parent_reply_at) == ("coming", EVENING)
    assert row.status == "confirmed"
    assert staff_changes == [(appointment_id, "coming")]
    with services.db.session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "reminder_reply")).one()
        assert (entry.actor, entry.detail, entry.appointment_id) == (
            "parent",
            "coming",
            appointment_id,
        )


async def test_cant_come_asks_then_cancels_and_offers_booking(
    app: Any, chat: Chat, staff_changes: list[tuple[int, str]]
) -> None:
    with time_machine.travel(EVENING, tick=False):
        services, appointment_id = await remind(app)
        await chat.press("Не мога да дойда")
        assert chat.last_text() == (
            "Часът Ви е утре, вторник, 24 ноември, в 10:00 ч.\nДа го отменим ли?"
        )
        assert chat.callback_data() == [f"rem:nocf:{appointment_id}", f"rem:back:{appointment_id}"]
        assert appointment(services, appointment_id).status == "confirmed"
        await chat.press("Назад")
        assert chat.last_text().startswith("Напомняне: утре")
        await chat.press("Не мога да дойда")
        await chat.press("Да, отменете часа")
    assert chat.last_text().startswith("Часът Ви е отменен.")
    assert "book:start" in chat.callback_data()
    row = appointment(services, appointment_id)
    assert (row.status, row.parent_reply) == ("cancelled_by_parent", "cant_come")
    assert open_rows(services.db, appointment_id) == []
    assert staff_changes == [(appointment_id, "cant_come")]


async def test_stale_buttons_are_answered_kindly(
    app: Any, chat: Chat, fake_api: FakeBotAPI, staff_changes: list[tuple[int, str]]
) -> None:
    with time_machine.travel(EVENING, tick=False):
        _services, appointment_id = await remind(app)
        await chat.press("Не мога да дойда")
        await chat.press("Да, отменете часа")
        # The old reminder's button, pressed again after the cancellation.
        await chat.tap(f"rem:yes:{appointment_id}")
    assert chat.last_text().startswith("Този час вече не е активен.")
    assert "book:start" in chat.callback_data()
    assert staff_changes == [(appointment_id, "cant_come")]


async def test_past_appointment_button_is_stale(app: Any, chat: Chat) -> None:
    with time_machine.travel(EVENING, tick=False):
        services, appointment_id = await remind(app)
    with time_machine.travel(local(2026, 11, 24, 11), tick=False):
        await chat.press("Ще дойда")
    assert chat.last_text().startswith("Този час вече не е активен.")
    assert appointment(services, appointment_id).parent_reply is None


async def test_someone_elses_appointment_is_refused(
    app: Any, chat: Chat, fake_api: FakeBotAPI, staff_changes: list[tuple[int, str]]
) -> None:
    with time_machine.travel(EVENING, tick=False):
        services, appointment_id = await remind(app)
        stranger = Chat(app, fake_api, user_id=2002)
        await stranger.tap(f"rem:nocf:{appointment_id}")
        await stranger.tap(f"rem:yes:{appointment_id}")
        await stranger.tap("rem:yes:not-a-number")
    assert "по-старо съобщение" in stranger.last_text()
    row = appointment(services, appointment_id)
    assert (row.status, row.parent_reply) == ("confirmed", None)
    assert staff_changes == []
