"""Одит: the trail filtered by person, appointment, kind of action and date."""

from __future__ import annotations

from typing import Any

from admin import appointments
from bot.services import Services
from tests.admin.conftest import ADMIN_ID, STAFF_ID, add_appointment, add_parent, at
from tests.web.conftest import sign_in_link
from tests.web.pages import AuditPage, SignInPage


async def test_filters(desk: str, page: Any, services: Services, team: None) -> None:
    parent = add_parent(services.db)
    first = add_appointment(services.db, parent, at(24, 10))
    second = add_appointment(services.db, parent, at(24, 11))
    appointments.confirm(services, appointment_id=first, staff_user_id=ADMIN_ID)
    appointments.decline(services, appointment_id=second, staff_user_id=STAFF_ID, reason="X")
    appointments.add_note(
        services, appointment_id=first, staff_user_id=STAFF_ID, text="тайна бележка"
    )
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    audit = AuditPage(page, desk)
    await audit.open()
    assert len(await audit.rows()) == 3
    await audit.filter(actor="Петър")
    rows = await audit.rows()
    assert len(rows) == 2 and all("Петър" in r for r in rows)
    await audit.filter(appointment=str(first))
    assert len(await audit.rows()) == 2
    await audit.filter(action="промяна на статуса")
    rows = await audit.rows()
    assert len(rows) == 2 and "чака → потвърден" in rows[-1]
    await audit.open("/audit?first=2026-11-24")
    assert await audit.rows() == []
    await audit.open()
    assert "тайна" not in await page.locator("main").inner_text()  # a note stays out
