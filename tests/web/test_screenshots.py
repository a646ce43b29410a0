"""Screenshots of every page of the web desk at phone and desktop width.

`COP_SCREENSHOTS=1 .venv/bin/python -m pytest tests/web/test_screenshots.py` writes them to
`docs/screenshots/` (shown in the README); otherwise they go to a temporary directory, so
the pages are still rendered and checked in both widths.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from admin import appointments, waitlist
from admin import questions as question_service
from admin.hours import close_day_cli
from bot.background import settle
from bot.services import Services
from storage import questions
from storage.models import PartOfDay
from tests.admin.conftest import ADMIN_ID, STAFF_ID, add_appointment, add_parent, at
from tests.web.conftest import DESKTOP, PHONE, sign_in_link
from tests.web.pages import SignInPage

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _week_of_bookings(services: Services) -> int:
    """A plausible week: requests waiting, confirmed, come, declined; Friday closed."""
    db = services.db
    maria = add_parent(db, 2001, name="Мария Петрова", phone="+359888123456")
    ivan = add_parent(db, 2002, name="Иван Георгиев", phone="+359887555111")
    elena = add_parent(db, 2003, name="Елена Димова", phone="+359898222333")
    stoyan = add_parent(db, 2004, name="Стоян Колев", phone="+359876444555")
    add_appointment(db, ivan, at(23, 9), status="confirmed", topic="consulting")
    add_appointment(db, elena, at(23, 13), status="confirmed", topic="consulting", note=None)
    shown = add_appointment(db, maria, at(24, 10))
    add_appointment(db, stoyan, at(24, 14), note="Искаме съвет за детето")
    add_appointment(db, elena, at(25, 11), status="declined", note=None)
    add_appointment(db, ivan, at(26, 15), note=None)
    first = add_appointment(db, stoyan, at(23, 10), status="confirmed", note=None)
    appointments.mark_attended(services, appointment_id=first, staff_user_id=STAFF_ID)
    appointments.add_note(
        services, appointment_id=shown, staff_user_id=ADMIN_ID, text="Да се обадим преди часа."
    )
    appointments.confirm(services, appointment_id=shown, staff_user_id=ADMIN_ID, via="web")
    close_day_cli(db, at(27, 12).date(), "Обучение на екипа", services.settings.tz)
    questions.ask(
        db,
        telegram_user_id=2001,
        chat_id=2001,
        first_name="Мария",
        language="bg",
        text="Може ли да дойда с детето си в 16 ч.?",
        now=services.now() - timedelta(hours=3),
        announce=question_service.announcer(services),
    )
    waitlist.join(
        services,
        telegram_user_id=2002,
        chat_id=2002,
        topic="consulting",
        weekdays=[1, 3],
        part_of_day=PartOfDay.morning,
    )
    return shown


async def test_screenshots(
    desk: str, browser: Any, services: Services, team: None, tmp_path: Path
) -> None:
    out = DOCS if os.environ.get("COP_SCREENSHOTS") else tmp_path
    out.mkdir(parents=True, exist_ok=True)
    shown = _week_of_bookings(services)
    [question] = questions.of_parent(services.db, 2001)
    await settle()  # the confirmation reaches the parent (the outbox), so the page shows it
    for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = await browser.new_context(viewport=viewport, locale="bg-BG")
        page = await context.new_page()
        await SignInPage(page, desk).sign_in(sign_in_link(services))
        for name, path in (
            ("week", "/"),
            ("pending", "/pending"),
            ("questions", "/questions"),
            ("question", f"/questions/{question.id}"),
            ("waitlist", "/waitlist"),
            ("appointment", f"/appointments/{shown}"),
            ("today", "/today"),
            ("search", "/search"),
            ("hours", "/hours"),
            ("days-off", "/days-off"),
            ("team", "/team"),
            ("stats", "/stats?month=2026-11"),
            ("export", "/export"),
            ("audit", "/audit"),
        ):
            answer = await page.goto(desk + path)
            assert answer.status == 200
            await page.screenshot(path=str(out / f"{name}-{width}.png"), full_page=True)
        await context.close()
    assert len(list(out.glob("*.png"))) == 28
