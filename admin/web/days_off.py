"""Почивни дни: close a day or a range with a reason, open it again; public holidays shown
read-only for the next twelve months (they are never offered anyway).

Closing a range that holds bookings first lists them and asks; on confirmation each is
cancelled by staff with the closure's reason and its parent is told, with a button to book
another time (the same services and messages as /close in Telegram).
"""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import hours as hours_service
from admin.appointments import AppointmentView, active_on, view_of
from admin.lists import day_bounds
from admin.staff import StaffInfo
from admin.web.render import flash, redirect, render
from admin.web.security import page, services_of
from bot.i18n import _
from bot.services import Services
from storage import slots as slot_rules
from storage.models import StaffRole
from storage.rules import closed_days

MAX_RANGE_DAYS = 62
REASON_MAX = 200


def _holidays(today: date) -> list[tuple[date, str]]:
    """Public holidays from today to a year ahead."""
    out = []
    for offset in range(366):
        day = today + timedelta(days=offset)
        name = slot_rules.holiday(day)
        if name:
            out.append((day, name))
    return out


def _range(first: str, last: str, today: date) -> tuple[date, date] | dict[str, str]:
    try:
        start = date.fromisoformat(first)
    except ValueError:
        return {"first": _("Въведете дата.")}
    try:
        end = date.fromisoformat(last) if last else start
    except ValueError:
        return {"last": _("Въведете дата или оставете полето празно.")}
    if start < today:
        return {"first": _("Денят е минал.")}
    if end < start:
        return {"last": _("Крайната дата е преди началната.")}
    if (end - start).days >= MAX_RANGE_DAYS:
        return {"last": _("Изберете най-много {n} дни.").format(n=MAX_RANGE_DAYS)}
    return start, end


def _hit(services: Services, first: date, last: date) -> list[AppointmentView]:
    start, end = day_bounds(first, last, services.settings.tz)
    with services.db.read() as session:
        return [view_of(session, a) for a in active_on(session, start, end)]


def _show(request: Request, member: StaffInfo, status: int = 200, **extra: object) -> Response:
    services = services_of(request)
    today = services.local_now().date()
    with services.db.read() as session:
        closed = sorted(
            closed_days(session, today, today + timedelta(days=366), live=True).items()
        )
    return render(
        request,
        "days_off/days_off.html",
        member,
        status,
        closed=closed,
        holidays=_holidays(today),
        values=extra.pop("values", {}),
        errors=extra.pop("errors", {}),
        **extra,
    )


@page()
async def show(request: Request, member: StaffInfo) -> Response:
    """The closed days ahead, the form (admins) and the public holidays."""
    return _show(request, member)


@page(StaffRole.admin)
async def close(request: Request, member: StaffInfo) -> Response:
    """Close the range; with bookings on it, list them and ask before telling parents."""
    services = services_of(request)
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("first", "last", "reason")}
    parsed = _range(values["first"], values["last"], services.local_now().date())
    if isinstance(parsed, dict):
        return _show(request, member, 400, values=values, errors=parsed)
    first, last = parsed
    reason = values["reason"].strip()[:REASON_MAX] or None
    hit = _hit(services, first, last)
    if hit and not form.get("confirmed"):
        return _show(request, member, values=values, hit=hit, asking=True)
    cancelled = []
    day = first
    while day <= last:
        hours_service.close_day(
            services, staff_user_id=member.telegram_user_id, day=day, reason=reason
        )
        cancelled += hours_service.cancel_for_closure(
            services, staff_user_id=member.telegram_user_id, day=day, via="web"
        )
        day += timedelta(days=1)
    days = (last - first).days + 1
    flash(
        request,
        _("Затворени дни: {days}. Отменени часове и уведомени родители: {n}.").format(
            days=days, n=len(cancelled)
        ),
    )
    return redirect(request, "days_off")


@page(StaffRole.admin)
async def reopen(request: Request, member: StaffInfo) -> Response:
    """Open a closed day again (cancelled bookings stay cancelled)."""
    services = services_of(request)
    form = await request.form()
    try:
        day = date.fromisoformat(str(form.get("day") or ""))
    except ValueError:
        flash(request, _("Въведете дата."), "error")
        return redirect(request, "days_off")
    if hours_service.open_day(services, staff_user_id=member.telegram_user_id, day=day):
        flash(request, _("Денят отново е отворен за записване."))
    else:
        flash(request, _("Денят не беше затворен."), "warn")
    return redirect(request, "days_off")


routes = [
    Route("/days-off", show, name="days_off"),
    Route("/days-off", close, methods=["POST"], name="days_off_close"),
    Route("/days-off/open", reopen, methods=["POST"], name="days_off_open"),
]
