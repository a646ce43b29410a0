"""Работно време: a changed week changes what the bot offers a parent; bad input changes
nothing and is named beside its field; staff see the hours but cannot change them."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.services import Services
from storage.models import AuditEntry
from storage.rules import rules_of
from tests.admin.conftest import STAFF_ID, add_appointment, add_parent, at
from tests.chat import Chat
from tests.web.conftest import sign_in_link
from tests.web.pages import HoursPage, SignInPage


async def test_a_changed_week_changes_the_slots_the_bot_offers(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    hours = HoursPage(page, desk)
    await hours.open()
    # Tuesday: 08:30–10:00 and 15:00–16:30, half-hour slots.
    await hours.set_day(1, [("8:30", "10:00"), ("15:00", "16:30")])
    await hours.set_number("slot_minutes", "30")
    await hours.preview()
    preview = await hours.preview_text()
    assert "вторник, 24 ноември: 08:30, 09:00, 09:30, 15:00, 15:30, 16:00" in preview
    assert rules_of(services.db).slot_minutes == 60  # a preview saves nothing
    assert not rules_of(services.db).hours_set
    await hours.save()
    assert "Работното време е записано" in await hours.flash()
    assert rules_of(services.db).hours_set  # the bot now states them as the centre's

    await parent_chat.send("📅 Запазете час")
    await parent_chat.tap("book:topic:consulting")
    await parent_chat.tap("book:skip")
    await parent_chat.tap("book:day:2026-11-24")
    labels = [label for label, _data in parent_chat.buttons()]
    assert any("08:30" in label for label in labels)
    assert any("16:00" in label for label in labels)
    assert not any("11:00" in label for label in labels)
    with services.db.read() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "hours")).one()
        assert entry.actor == "staff:501 Ива" and "slot=30" in (entry.detail or "")


async def test_bad_hours_are_named_beside_the_field(
    desk: str, page: Any, services: Services, team: None
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    hours = HoursPage(page, desk)
    await hours.open()
    await hours.set_day(0, [("12:00", "09:00")])
    await hours.set_day(1, [("09:00", "12:00"), ("11:00", "13:00")])
    await hours.set_day(2, [("09:00", "09:30")])
    await hours.set_number("places", "0")
    await hours.save()
    assert "свършва преди да започне" in await hours.day_error(0)
    assert "09:00–12:00 и 11:00–13:00 се застъпват" in await hours.day_error(1)
    assert "по-кратък от един час" in await hours.day_error(2)
    assert "от 1 до 50" in await page.locator("#places ~ .error-text").inner_text()
    assert "Нищо не е променено" in await hours.flash()
    assert rules_of(services.db).hours[0][0][0].hour == 9  # unchanged


async def test_bookings_left_outside_are_listed_and_asked(
    desk: str, page: Any, services: Services, team: None
) -> None:
    appointment_id = add_appointment(services.db, add_parent(services.db), at(24, 16))
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    hours = HoursPage(page, desk)
    await hours.open()
    await hours.set_day(1, [("09:00", "12:00")])
    await hours.save()
    warning = await page.locator(".flash.warn").inner_text()
    assert f"№{appointment_id}" in warning
    assert rules_of(services.db).hours[1][-1][1].hour == 17  # not saved yet
    await page.locator('input[name="accept_outside"]').check()
    await hours.save()
    assert "Работното време е записано" in await hours.flash()
    ((opens, closes),) = rules_of(services.db).hours[1]
    assert (opens.hour, closes.hour) == (9, 12)


async def test_staff_see_the_hours_but_cannot_change_them(
    desk: str, page: Any, services: Services, team: None
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    hours = HoursPage(page, desk)
    await hours.open()
    assert await page.locator('input[name="d0s0"]').is_disabled()
    assert await page.locator('input[name="d0s0"]').input_value() == "09:00"
    csrf = await page.locator('input[name="csrf"]').first.input_value()
    answer = await page.request.post(desk + "/hours", form={"csrf": csrf, "action": "save"})
    assert answer.status == 403
