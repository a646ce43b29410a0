"""Седмица (the start page: the week as a calendar) and Днес (today's list in time order).

A phone gets a list of days; a wide screen gets days across and times down (the same page,
CSS decides). Closed days and public holidays are marked in words, today is highlighted,
and each appointment carries a status mark that reads without colour (✅ ⏳ ❌ ☑️ 🚫).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import lists
from admin.appointments import AppointmentView
from admin.staff import StaffInfo
from admin.web.render import render
from admin.web.security import page, services_of
from bot.services import Services
from storage import slots as slot_rules
from storage.rules import closed_days, rules_of


@dataclass
class Day:
    """One column of the week (one box on a phone)."""

    day: date
    today: bool
    closed: str | None  # the closed day's reason, or "" when closed without one
    holiday: str | None
    open: bool  # has opening hours that day
    appointments: list[AppointmentView] = field(default_factory=list)

    @property
    def shut(self) -> bool:
        return self.closed is not None or self.holiday is not None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week(services: Services, member: StaffInfo, monday: date) -> tuple[list[Day], list[time]]:
    """The seven days with their appointments, and the times of the grid's rows."""
    tz = services.settings.tz
    sunday = monday + timedelta(days=6)
    today = services.local_now().date()
    rules = rules_of(services.db)
    with services.db.read() as session:
        closed = closed_days(session, monday, sunday, live=True)
    views = lists.between(
        services, staff_user_id=member.telegram_user_id, first=monday, last=sunday
    )
    days: list[Day] = []
    times: set[time] = set()
    for offset in range(7):
        day = monday + timedelta(days=offset)
        slots = slot_rules.slot_times(rules, day, tz)
        times.update(start.astimezone(tz).time() for start, _end in slots)
        days.append(
            Day(
                day=day,
                today=day == today,
                closed=(closed[day] or "") if day in closed else None,
                holiday=slot_rules.holiday(day),
                open=bool(slots),
            )
        )
    for view in views:
        local = view.start.astimezone(tz)
        days[(local.date() - monday).days].appointments.append(view)
        times.add(local.time().replace(second=0, microsecond=0))
    return days, sorted(times)


def _parse_week(value: str | None, today: date) -> date:
    try:
        return _monday(date.fromisoformat(value)) if value else _monday(today)
    except ValueError:
        return _monday(today)


@page()
async def week(request: Request, member: StaffInfo) -> Response:
    """The week as a calendar; ?from=YYYY-MM-DD shows the week of that day."""
    services = services_of(request)
    monday = _parse_week(request.query_params.get("from"), services.local_now().date())
    days, times = _week(services, member, monday)
    tz = services.settings.tz
    grid = {
        (d.day, t): [v for v in d.appointments if v.start.astimezone(tz).time() == t]
        for d in days
        for t in times
    }
    return render(
        request,
        "week/week.html",
        member,
        days=days,
        times=times,
        grid=grid,
        monday=monday,
        previous=monday - timedelta(days=7),
        next=monday + timedelta(days=7),
    )


@page()
async def today(request: Request, member: StaffInfo) -> Response:
    """Today's appointments in time order."""
    services = services_of(request)
    day = services.local_now().date()
    views = lists.between(services, staff_user_id=member.telegram_user_id, first=day, last=day)
    return render(
        request,
        "week/today.html",
        member,
        day=day,
        views=views,
        holiday=slot_rules.holiday(day),
    )


routes = [
    Route("/", week, name="week"),
    Route("/today", today, name="today"),
]
