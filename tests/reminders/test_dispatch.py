"""The dispatcher through the real Application's bot and the PTB adapter, on both engines."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from sqlmodel import select
from telegram.error import TimedOut

from admin.outbox import LEASE
from admin.telegram.outbox import dispatch, send_now
from bot.context import SERVICES_KEY
from bot.fakeapi import FakeBotAPI, Fault
from bot.services import Services
from storage import reminders
from storage.models import Appointment, AppointmentStatus, Parent
from tests.reminders.helpers import confirmed, local, open_rows, rows

WEEK_BEFORE = local(2026, 11, 16, 12)
START = local(2026, 11, 24, 10)  # Tuesday
EVENING = local(2026, 11, 23, 18)  # the day-before reminder is due
TEXT = (
    "Напомняне: утре, вторник, 24 ноември, в 10:00 ч. Ви очакваме в "
    "Център за обществена подкрепа – Харманли, кв. „Дружба“ 7А"
)


def services_of(app: Any) -> Services:
    services = app.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


def sent(fake: FakeBotAPI) -> list[Any]:
    """Messages to parents (staff lines go to the staff group, a negative chat id)."""
    return [c for c in fake.sent("sendMessage") if int(c.params["chat_id"]) > 0]


async def test_day_before_and_hours_before_texts(rapp: Any, fake_api: FakeBotAPI) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    with time_machine.travel(EVENING - timedelta(minutes=1), tick=False):
        report = await dispatch(rapp.bot, services)
    assert report.claimed == 0 and sent(fake_api) == []
    with time_machine.travel(EVENING, tick=False):
        report = await dispatch(rapp.bot, services)
        again = await dispatch(rapp.bot, services)
    assert report.sent == 1 and again.claimed == 0
    [call] = sent(fake_api)
    assert call.chat_id == 1001
    assert call.text == TEXT
    assert call.buttons() == [
        ("Ще дойда", f"rem:yes:{appointment_id}"),
        ("Не мога да дойда", f"rem:no:{appointment_id}"),
    ]
    with time_machine.travel(local(2026, 11, 24, 8), tick=False):
        await dispatch(rapp.bot, services)
    assert sent(fake_api)[-1].text.startswith("Напомняне: днес, вторник, 24 ноември, в 10:00 ч.")
    stored = rows(services.db, appointment_id)
    assert [r.state for r in stored] == ["sent", "sent"]
    assert all(r.message_id for r in stored)


async def test_retry_after_keeps_it_due(rapp: Any, fake_api: FakeBotAPI) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    fake_api.fail("sendMessage", Fault(429, "Too Many Requests: retry after 5", retry_after=5))
    with time_machine.travel(EVENING, tick=False):
        report = await dispatch(rapp.bot, services)
    assert report.postponed == 1 and sent(fake_api) == []
    first = rows(services.db, appointment_id)[0]
    assert (first.state, first.attempts) == ("pending", 0)
    assert first.due_at == EVENING + timedelta(seconds=5)
    with time_machine.travel(EVENING + timedelta(seconds=4), tick=False):
        assert (await dispatch(rapp.bot, services)).claimed == 0
    with time_machine.travel(EVENING + timedelta(seconds=5), tick=False):
        assert (await dispatch(rapp.bot, services)).sent == 1
    assert len(sent(fake_api)) == 1


async def test_blocked_parent_is_unreachable_and_staff_told(
    rapp: Any, fake_api: FakeBotAPI, staff_changes: list[tuple[int, str]]
) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    other_id = confirmed(services.db, start=local(2026, 11, 26, 16), now=WEEK_BEFORE)
    fake_api.fail("sendMessage", Fault(403, "Forbidden: bot was blocked by the user"))
    with time_machine.travel(EVENING, tick=False):
        report = await dispatch(rapp.bot, services)
    assert report.blocked == 1
    assert staff_changes == [(appointment_id, "unreachable")]
    assert open_rows(services.db) == []
    assert {r.state for r in rows(services.db, other_id)} == {"withdrawn"}
    with services.db.session() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        parent = session.get(Parent, appointment.parent_id)
        assert parent is not None and parent.unreachable_at == EVENING
    with time_machine.travel(local(2026, 11, 26, 14), tick=False):
        assert (await dispatch(rapp.bot, services)).claimed == 0
    assert sent(fake_api) == []


async def test_server_errors_back_off_then_fail_and_tell_staff(
    rapp: Any, fake_api: FakeBotAPI, staff_changes: list[tuple[int, str]]
) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    error = Fault(500, "Internal Server Error")
    fake_api.fail("sendMessage", error, error, error)
    at = EVENING
    for attempt, wait in ((1, 60), (2, 120)):
        with time_machine.travel(at, tick=False):
            assert (await dispatch(rapp.bot, services)).retried == 1
        first = rows(services.db, appointment_id)[0]
        assert (first.state, first.attempts) == ("pending", attempt)
        assert first.due_at == at + timedelta(seconds=wait)
        with time_machine.travel(first.due_at - timedelta(seconds=1), tick=False):
            assert (await dispatch(rapp.bot, services)).claimed == 0
        at = first.due_at
    with time_machine.travel(at, tick=False):
        assert (await dispatch(rapp.bot, services)).failed == 1
    first = rows(services.db, appointment_id)[0]
    assert (first.state, first.attempts, first.last_error) == ("failed", 3, "NetworkError")
    assert staff_changes == [(appointment_id, "reminder_failed")]
    assert sent(fake_api) == []


async def test_timeout_is_retried(rapp: Any, fake_api: FakeBotAPI) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    fake_api.fail("sendMessage", TimedOut())
    with time_machine.travel(EVENING, tick=False):
        assert (await dispatch(rapp.bot, services)).retried == 1
    assert rows(services.db, appointment_id)[0].last_error == "TimedOut"
    with time_machine.travel(EVENING + timedelta(minutes=1), tick=False):
        assert (await dispatch(rapp.bot, services)).sent == 1
    assert len(sent(fake_api)) == 1


async def test_bad_request_fails_at_once(
    rapp: Any, fake_api: FakeBotAPI, staff_changes: list[tuple[int, str]]
) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    fake_api.fail("sendMessage", Fault(400, "Bad Request: chat not found"))
    with time_machine.travel(EVENING, tick=False):
        assert (await dispatch(rapp.bot, services)).failed == 1
    assert staff_changes == [(appointment_id, "reminder_failed")]


async def test_crash_between_claim_and_send(rapp: Any, fake_api: FakeBotAPI) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    with time_machine.travel(EVENING, tick=False), services.db.session() as session:
        claimed = reminders.claim_due(session, EVENING, "crashed-worker", LEASE, 10)
    assert [c.appointment_id for c in claimed] == [appointment_id]
    # The claiming process died here. While its lease runs, nobody else sends.
    with time_machine.travel(EVENING + LEASE - timedelta(seconds=1), tick=False):
        assert (await dispatch(rapp.bot, services)).claimed == 0
    with time_machine.travel(EVENING + LEASE + timedelta(seconds=1), tick=False):
        assert (await dispatch(rapp.bot, services)).sent == 1
    with time_machine.travel(EVENING + 3 * LEASE, tick=False):
        assert (await dispatch(rapp.bot, services)).claimed == 0
    assert len(sent(fake_api)) == 1
    first = rows(services.db, appointment_id)[0]
    assert first.state == "sent" and first.claimed_by != "crashed-worker"


async def test_downtime_catch_up(rapp: Any, fake_api: FakeBotAPI) -> None:
    services = services_of(rapp)
    future_id = confirmed(services.db, start=local(2026, 11, 24, 16), now=WEEK_BEFORE)
    past_id = confirmed(services.db, start=START, now=WEEK_BEFORE, user_id=1002)
    # The bot was down from Monday noon until Tuesday 12:00.
    with time_machine.travel(local(2026, 11, 24, 12), tick=False):
        report = await dispatch(rapp.bot, services)
    assert report.skipped_past == 2  # both reminders of the 10:00 appointment
    assert report.sent == 1  # the 16:00 appointment's day-before, late but not lost
    assert {c.chat_id for c in sent(fake_api)} == {1001}
    assert sent(fake_api)[0].text.startswith("Напомняне: днес, вторник, 24 ноември, в 16:00 ч.")
    with time_machine.travel(local(2026, 11, 24, 14), tick=False):
        assert (await dispatch(rapp.bot, services)).sent == 1
    assert {r.state for r in rows(services.db, past_id)} == {"skipped"}
    assert {r.state for r in rows(services.db, future_id)} == {"sent"}


async def test_no_stale_reminder_after_a_status_change(rapp: Any, fake_api: FakeBotAPI) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    with services.db.session() as session:  # changed behind transition's back
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        appointment.status = AppointmentStatus.cancelled_by_staff
        session.add(appointment)
    with time_machine.travel(EVENING, tick=False):
        assert (await dispatch(rapp.bot, services)).claimed == 0
    assert [r.state for r in rows(services.db, appointment_id)] == ["withdrawn", "pending"]
    with time_machine.travel(local(2026, 11, 24, 8), tick=False):
        assert (await dispatch(rapp.bot, services)).claimed == 0
    assert sent(fake_api) == []
    assert {r.state for r in rows(services.db, appointment_id)} == {"withdrawn"}


async def test_send_now(rapp: Any, fake_api: FakeBotAPI) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    with time_machine.travel(local(2026, 11, 20, 21, 30), tick=False):  # quiet hours: staff chose
        assert await send_now(rapp.bot, services, appointment_id, "staff:1 Ива") is True
    [call] = sent(fake_api)
    assert call.text.startswith("Напомняне: вторник, 24 ноември, в 10:00 ч.")
    manual = [r for r in rows(services.db, appointment_id) if r.kind == "manual"]
    assert [r.state for r in manual] == ["sent"]
    assert len(open_rows(services.db, appointment_id)) == 2  # the plan is untouched
    with services.db.session() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        appointment.status = AppointmentStatus.cancelled_by_staff
        session.add(appointment)
    with time_machine.travel(local(2026, 11, 21, 10), tick=False):
        assert await send_now(rapp.bot, services, appointment_id, "staff:1 Ива") is False
    assert len(sent(fake_api)) == 1


async def test_each_parent_gets_their_language(rapp: Any, fake_api: FakeBotAPI) -> None:
    services = services_of(rapp)
    confirmed(services.db, start=START, now=WEEK_BEFORE, user_id=1001, language="en")
    confirmed(services.db, start=START, now=WEEK_BEFORE, user_id=1002, language="bg")
    with time_machine.travel(EVENING, tick=False):
        assert (await dispatch(rapp.bot, services)).sent == 2
    texts = {c.chat_id: c for c in sent(fake_api)}
    assert texts[1001].text.startswith("Reminder: tomorrow, Tuesday, 24 November, at 10:00.")
    assert [label for label, _ in texts[1001].buttons()] == ["I will come", "I cannot come"]
    assert texts[1002].text == TEXT


async def test_blocked_parent_who_writes_again_is_reminded(
    rapp: Any, fake_api: FakeBotAPI, staff_changes: list[tuple[int, str]]
) -> None:
    services = services_of(rapp)
    confirmed(services.db, start=START, now=WEEK_BEFORE)
    fake_api.fail("sendMessage", Fault(403, "Forbidden: bot was blocked by the user"))
    with time_machine.travel(EVENING, tick=False):
        assert (await dispatch(rapp.bot, services)).blocked == 1
    later = local(2026, 11, 25, 9)
    with services.db.session() as session:  # the parent unblocked the bot and wrote again
        parent = session.exec(select(Parent).where(Parent.telegram_user_id == 1001)).one()
        parent.updated_at = later
        session.add(parent)
    new_id = confirmed(services.db, start=local(2026, 11, 27, 10), now=later)
    with time_machine.travel(local(2026, 11, 26, 18), tick=False):
        assert (await dispatch(rapp.bot, services)).sent == 1
    assert sent(fake_api)[-1].buttons()[0][1] == f"rem:yes:{new_id}"


async def test_no_send_once_the_lease_is_nearly_over(
    rapp: Any, fake_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = services_of(rapp)
    appointment_id = confirmed(services.db, start=START, now=WEEK_BEFORE)
    monkeypatch.setattr("admin.outbox.LEASE_MARGIN", LEASE + timedelta(seconds=1))
    with time_machine.travel(EVENING, tick=False):
        report = await dispatch(rapp.bot, services)
    assert (report.claimed, report.released, report.sent) == (1, 1, 0)
    first = rows(services.db, appointment_id)[0]
    assert (first.state, first.attempts, first.due_at) == ("pending", 0, EVENING)
    monkeypatch.undo()
    with time_machine.travel(EVENING, tick=False):
        assert (await dispatch(rapp.bot, services)).sent == 1
