"""Почивни дни: a day off with bookings reaches their parents and leaves booking."""

from __future__ import annotations

from typing import Any

from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.models import Appointment
from tests.admin.conftest import STAFF_ID, add_appointment, add_parent, at
from tests.chat import Chat
from tests.web.conftest import sign_in_link
from tests.web.pages import DaysOffPage, SignInPage


async def test_a_day_off_with_bookings_tells_their_parents(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat, fake_api: FakeBotAPI
) -> None:
    appointment_id = add_appointment(
        services.db, add_parent(services.db), at(25, 10), status="confirmed"
    )
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    days_off = DaysOffPage(page, desk)
    await days_off.open()
    await days_off.close("2026-11-25", "2026-11-26", "Обучение на екипа")
    assert f"№{appointment_id}" in await page.locator("ul.hit").inner_text()
    with services.db.read() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None and row.status == "confirmed"  # asked first, nothing done
    await page.get_by_role("button", name="Затвори, отмени часовете").click()
    await days_off.settled()
    assert "Затворени дни: 2. Отменени часове и уведомени родители: 1." in await days_off.flash()
    told = parent_chat.visible()[-1]
    assert "часа Ви" in told.text and "Причина: Обучение на екипа" in told.text
    assert ("📅 Изберете друг час", "book:start") in told.buttons()
    closed = await page.locator("ul.closed-days").inner_text()
    assert "25 ноември 2026" in closed and "26 ноември 2026" in closed

    await parent_chat.send("📅 Запазете час")
    await parent_chat.tap("book:topic:consulting")
    await parent_chat.tap("book:skip")
    days = parent_chat.callback_data("book:day:")
    assert "book:day:2026-11-25" not in days and "book:day:2026-11-24" in days

    await days_off.reopen("2026-11-26")
    assert "отново е отворен" in await days_off.flash()
    assert "26 ноември 2026" not in await page.locator("ul.closed-days").inner_text()


async def test_bad_dates_and_holidays(
    desk: str, page: Any, services: Services, team: None
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    days_off = DaysOffPage(page, desk)
    await days_off.open()
    assert "Рождество Христово" in await page.locator("ul.holidays").inner_text()
    await days_off.close("2026-11-26", "2026-11-25", "")
    assert (
        "Крайната дата е преди началната" in await page.locator("#last ~ .error-text").inner_text()
    )
    await days_off.close("2026-11-20", "", "")
    assert "Денят е минал" in await page.locator("#first ~ .error-text").inner_text()
    assert "Няма затворени дни" in await page.locator("main").inner_text()


async def test_staff_see_days_off_without_the_form(
    desk: str, page: Any, services: Services, team: None
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    await DaysOffPage(page, desk).open()
    assert await page.locator("#first").count() == 0
    csrf = await page.locator('input[name="csrf"]').first.input_value()
    answer = await page.request.post(
        desk + "/days-off", form={"csrf": csrf, "first": "2026-12-01"}
    )
    assert answer.status == 403
