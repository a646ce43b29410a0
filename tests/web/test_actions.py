"""The rest of the appointment page's actions, the week's marks, and one winner on both
database backends."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.models import Appointment, Outbox
from tests.admin.conftest import STAFF_ID, add_appointment, add_parent, at
from tests.chat import Chat
from tests.conftest import make_settings
from tests.web.conftest import sign_in_link
from tests.web.pages import AppointmentPage, PendingPage, SignInPage, WeekPage


async def test_decline_with_a_preset_reason(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    appointment_id = add_appointment(services.db, add_parent(services.db), at(24, 10))
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    pending = PendingPage(page, desk)
    await pending.open()
    await pending.decline(appointment_id)  # the first preset reason is chosen
    reason = services.content.booking.decline_reasons[0]
    assert f"Причина: {reason}" in parent_chat.visible()[-1].text


async def test_cancel_with_a_reason_and_remind_now(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    appointment_id = add_appointment(
        services.db, add_parent(services.db), at(24, 10), status="confirmed"
    )
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    view = AppointmentPage(page, desk, appointment_id)
    await view.open()
    await view.press("Напомни сега")
    assert "Напомнянето е изпратено" in await view.flash()
    assert parent_chat.visible(), "the reminder reached the parent"
    assert "доставено" in await page.locator("h2:has-text('Съобщения') + .card").inner_text()
    with services.db.read() as session:
        sent = session.exec(select(Outbox).where(Outbox.kind == "manual")).all()
        assert [r.state for r in sent] == ["sent"]

    await page.locator("summary", has_text="Отмени часа").click()
    await page.locator('input[name="reason"][value="other"]').check()
    await page.locator('input[name="other"]').fill("Специалистът е болен")
    await page.locator("details button", has_text="Отмени часа").click()
    await view.settled()
    assert "Часът е отменен" in await view.flash()
    told = parent_chat.visible()[-1].text
    assert "часа Ви" in told and "Причина: Специалистът е болен" in told


async def test_a_typed_reason_is_required(
    desk: str, page: Any, services: Services, team: None
) -> None:
    appointment_id = add_appointment(services.db, add_parent(services.db), at(24, 10))
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    pending = PendingPage(page, desk)
    await pending.open()
    await pending.decline(appointment_id, typed="   ")
    assert "Изберете причина или я напишете" in await pending.flash()
    assert appointment_id in await pending.ids()


async def test_the_week_marks_holidays_and_pages_on(
    desk: str, page: Any, services: Services, team: None
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    week = WeekPage(page, desk)
    await week.open("/?from=2026-12-23")
    assert "Седмица от 21.12.2026" in await week.heading()
    assert "Официален празник" in await week.day_text("2026-12-24")
    assert "днес" not in await week.grid_text()
    await week.next_week()
    assert "Седмица от 28.12.2026" in await week.heading()
    await week.open("/?from=nonsense")  # bad input: this week
    assert "Седмица от 23.11.2026" in await week.heading()


async def test_a_phone_gets_a_list_of_days(
    browser: Any, desk: str, services: Services, team: None
) -> None:
    add_appointment(services.db, add_parent(services.db), at(23, 11), status="confirmed")
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    from playwright.async_api import expect

    await expect(page.locator("table.grid")).to_be_hidden()  # waits for the stylesheet
    today = page.locator("li.day.today")
    assert "✅" in await today.inner_text() and "Мария Петрова" in await today.inner_text()
    await context.close()


# --- one winner, on SQLite and PostgreSQL ---------------------------------------------------


@pytest.fixture
def settings(db_url: str) -> Iterator[Settings]:
    """This module's tests run on both backends."""
    yield make_settings(db_url)


async def test_two_browsers_confirm_at_once_one_wins(
    desk: str, browser: Any, services: Services, team: None, fake_api: FakeBotAPI
) -> None:
    appointment_id = add_appointment(services.db, add_parent(services.db), at(24, 10))
    pages = []
    for user in (501, STAFF_ID):
        context = await browser.new_context()
        tab = await context.new_page()
        await SignInPage(tab, desk).sign_in(sign_in_link(services, user))
        pending = PendingPage(tab, desk)
        await pending.open()
        pages.append(pending)
    buttons = [p.card(appointment_id).get_by_role("button", name="Потвърди") for p in pages]
    await asyncio.gather(*(b.click() for b in buttons))
    await pages[0].settled()
    flashes = sorted([await p.flash() for p in pages])
    assert sum("Часът е потвърден" in f for f in flashes) == 1
    assert sum("Вече е потвърден" in f for f in flashes) == 1
    with services.db.read() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None and row.status == "confirmed"
    told = [c for c in fake_api.sent("sendMessage", chat_id=1001) if "потвърден" in c.text]
    assert len(told) == 1


async def test_today_lists_the_day_in_time_order(
    desk: str, page: Any, services: Services, team: None
) -> None:
    db = services.db
    late = add_appointment(db, add_parent(db, 2001, name="Късна Петрова"), at(23, 15))
    early = add_appointment(db, add_parent(db, 2002, name="Ранна Иванова"), at(23, 10))
    add_appointment(db, add_parent(db, 2003, name="Утрешна"), at(24, 10))
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    await page.goto(desk + "/today")
    items = await page.locator("ul.list li a").evaluate_all("ns => ns.map(n => n.href)")
    assert [int(href.rsplit("/", 1)[1]) for href in items] == [early, late]
    assert "Утрешна" not in await page.locator("main").inner_text()
