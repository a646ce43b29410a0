"""Статистика: a known set of appointments, made through the services on a fixed clock,
shows exactly the expected figures, with a bar for each topic and a CSV that parses."""

from __future__ import annotations

import csv
import functools
import io
from datetime import UTC, datetime
from typing import Any

from admin import appointments
from admin.texts import topic_title
from bot.services import Services
from storage import booking, parents
from tests.admin.conftest import ADMIN_ID, SOFIA, at
from tests.web.conftest import sign_in_link
from tests.web.pages import SignInPage, StatsPage


def _book(services: Services, user: int, start: datetime, topic: str) -> int:
    now = datetime.now(UTC)
    parents.record_consent(services.db, telegram_user_id=user, chat_id=user, now=now)
    row = booking.book(
        services.db,
        telegram_user_id=user,
        chat_id=user,
        topic=topic,
        note=None,
        start=start,
        request_key=f"{user}-{start.isoformat()}",
        tz=services.settings.tz,
        now=datetime.now(UTC),
        name=f"Родител {user}",
        phone=f"+35988800{user}",
    )
    assert row.id is not None
    return row.id


def known_month(services: Services, clock: Any) -> None:
    """Six November requests; parent 2005 came in October too."""
    s, staff = services, {"staff_user_id": ADMIN_ID}
    clock.move_to(datetime(2026, 10, 12, 8, 0, tzinfo=SOFIA))
    old = _book(s, 2005, at(13, 10, month=10), "consulting")
    appointments.confirm(s, appointment_id=old, **staff)
    clock.move_to(datetime(2026, 11, 23, 8, 0, tzinfo=SOFIA))
    a1 = _book(s, 2001, at(24, 10), "consulting")
    b = _book(s, 2002, at(24, 11), "rights")
    c = _book(s, 2003, at(25, 9), "skills")
    d = _book(s, 2004, at(25, 10), "consulting")
    _book(s, 2001, at(26, 9), "consulting")
    _book(s, 2005, at(26, 10), "other")
    clock.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=SOFIA))
    appointments.confirm(s, appointment_id=a1, **staff)  # 2 h after the request
    appointments.decline(s, appointment_id=c, reason="Специалистът отсъства", **staff)
    booking.cancel_by_parent(
        s.db,
        telegram_user_id=2004,
        appointment_id=d,
        now=datetime.now(UTC),
        policy=s.reminder_policy,
    )
    clock.move_to(datetime(2026, 11, 23, 12, 0, tzinfo=SOFIA))
    appointments.confirm(s, appointment_id=b, **staff)  # 4 h after the request
    clock.move_to(datetime(2026, 11, 24, 12, 0, tzinfo=SOFIA))
    appointments.mark_attended(s, appointment_id=a1, **staff)
    appointments.mark_no_show(s, appointment_id=b, **staff)


async def test_known_figures_and_charts(
    desk: str, page: Any, services: Services, team: None, clock: Any
) -> None:
    known_month(services, clock)
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    stats = StatsPage(page, desk)
    await stats.open("/stats?month=2026-11")
    assert "ноември 2026" in await stats.heading()
    assert await stats.figures() == {
        "requests": "6",
        "confirmed": "2",
        "attended": "1",
        "no_shows": "1",
        "cancelled_by_parents": "1",
        "cancelled_by_centre": "0",
        "declined": "1",
        "pending": "2",
        "new_parents": "4",
        "returning_parents": "1",
        "attended_share": "50 %",
        "median_confirm": "3.0 ч",
        "median_visit": "1.1 дни",
    }
    title = functools.partial(topic_title, services.content)
    assert await stats.topic_bars() == {
        title("consulting"): 3,
        title("rights"): 1,
        title("skills"): 1,
        title("other"): 1,
    }
    year = await page.locator("table.year").inner_text()
    assert "октомври\t1\t1" in year and "ноември\t6\t2\t1\t1\t1\t1" in year

    async with page.expect_download() as info:
        await page.get_by_role("link", name="CSV").click()
    body = (await (await info.value).path()).read_bytes()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["month", "requests", "confirmed"]
    assert ["2026-11", "6", "2", "1", "1", "1", "0", "1", "2"] in rows


async def test_bad_month_falls_back_and_printable(
    desk: str, page: Any, services: Services, team: None
) -> None:
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    stats = StatsPage(page, desk)
    await stats.open("/stats?month=13-2026")
    assert "ноември 2026" in await stats.heading()
    await stats.open("/stats?month=2026-11&print=1")
    assert await page.locator("form.noprint").count() == 0
