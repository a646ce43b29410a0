"""Работно время: the weekly hours (several intervals a day, so breaks are natural), slot
length, places, lead time and horizon. Staff see them; admins change them.

"Преглед" shows next week's slots under the typed hours without saving; "Запази" saves,
but first lists the future bookings the new hours would leave outside and asks again.
Every problem is shown beside its field and nothing changes.
"""

from __future__ import annotations

from datetime import time

from babel.dates import get_day_names
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import hours_edit
from admin.hours_edit import HoursDraft
from admin.staff import StaffInfo
from admin.web.render import flash, redirect, render
from admin.web.security import page, services_of
from bot.i18n import _, babel_locale
from storage.models import StaffRole
from storage.rules import rules_of

INTERVALS = 3  # rows per weekday on the form (one more when a day already has three)
NUMBERS = ("slot_minutes", "places", "lead_minutes", "horizon_days")


def _rows(draft: HoursDraft) -> int:
    """Interval rows per weekday: never fewer than a day already has, plus an empty one."""
    longest = max((len(spans) for spans in draft.week.values()), default=0)
    return max(INTERVALS, longest + 1)


def _form_values(draft: HoursDraft) -> dict[str, str]:
    values: dict[str, str] = {name: str(getattr(draft, name)) for name in NUMBERS}
    for weekday in range(7):
        for i, (opens, closes) in enumerate(draft.week.get(weekday, [])):
            values[f"d{weekday}s{i}"] = f"{opens:%H:%M}"
            values[f"d{weekday}e{i}"] = f"{closes:%H:%M}"
    return values


def _clock(value: str) -> time:
    """ "9:00" or "09:00" (a ValueError otherwise)."""
    hours, _colon, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(value)
    return time(int(hours), int(minutes))


def _parse(form: FormData) -> tuple[HoursDraft, dict[str, str]]:
    """The draft as typed, and the fields that could not even be read."""
    draft, errors = HoursDraft(), {}
    for name in NUMBERS:
        raw = str(form.get(name) or "").strip()
        if raw.isdigit():
            setattr(draft, name, int(raw))
        else:
            errors[name] = _("Въведете цяло число.")
    raw_rows = str(form.get("rows") or "")
    rows = min(int(raw_rows), 12) if raw_rows.isdigit() else INTERVALS
    for weekday in range(7):
        spans: list[tuple[time, time]] = []
        for i in range(rows):
            start = str(form.get(f"d{weekday}s{i}") or "").strip()
            end = str(form.get(f"d{weekday}e{i}") or "").strip()
            if not start and not end:
                continue
            try:
                spans.append((_clock(start), _clock(end)))
            except ValueError:
                errors[f"day{weekday}"] = _("Въведете начало и край във вида ЧЧ:ММ.")
        if spans:
            draft.week[weekday] = spans
    return draft, errors


def _show(
    request: Request,
    member: StaffInfo,
    values: dict[str, str],
    status: int = 200,
    rows: int = INTERVALS,
    **extra: object,
) -> Response:
    return render(
        request,
        "hours/hours.html",
        member,
        status,
        values=values,
        day_names=get_day_names("wide", locale=babel_locale()),
        intervals=range(rows),
        rows=rows,
        errors=extra.pop("errors", {}),
        **extra,
    )


@page()
async def show(request: Request, member: StaffInfo) -> Response:
    """The hours as they are (a form for admins)."""
    draft = HoursDraft.of(rules_of(services_of(request).db))
    return _show(request, member, _form_values(draft), rows=_rows(draft))


@page(StaffRole.admin)
async def change(request: Request, member: StaffInfo) -> Response:
    """Preview or save the typed week (admins)."""
    services = services_of(request)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    draft, errors = _parse(form)
    rows = _rows(draft)
    errors = {**hours_edit.check(draft), **errors}
    if errors:
        return _show(request, member, values, 400, rows, errors=errors)
    hit = hours_edit.outside(services, draft)
    if form.get("action") == "save" and (not hit or form.get("accept_outside")):
        hours_edit.save(services, staff_user_id=member.telegram_user_id, draft=draft)
        flash(request, _("Работното време е записано."))
        return redirect(request, "hours")
    return _show(
        request,
        member,
        values,
        rows=rows,
        preview=hours_edit.preview(services, draft),
        outside=hit,
        asked=form.get("action") == "save",
    )


routes = [
    Route("/hours", show, name="hours"),
    Route("/hours", change, methods=["POST"], name="hours_change"),
]
