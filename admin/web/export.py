"""Експорт (admins only): a date range as CSV (UTF-8 with BOM, for Excel) or .ics, the same
files as `cop-admin export`."""

from __future__ import annotations

from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import export as exporter
from admin.staff import StaffInfo
from admin.web.render import render
from admin.web.security import page, services_of
from bot.i18n import _
from storage.models import StaffRole

MAX_DAYS = 400


def _range(first: str, last: str) -> tuple[date, date] | str:
    """The two dates, or the error to show beside the fields."""
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        return _("Въведете две дати.")
    if end < start:
        return _("Крайната дата е преди началната.")
    if (end - start).days > MAX_DAYS:
        return _("Изберете най-много {n} дни.").format(n=MAX_DAYS)
    return start, end


@page(StaffRole.admin)
async def export(request: Request, member: StaffInfo) -> Response:
    """The form; on POST the file as a download (or the form again with the error)."""
    services = services_of(request)
    today = services.local_now().date()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()
    last = (today.replace(day=1) - timedelta(days=1)).isoformat()
    fmt, error = "csv", None
    if request.method == "POST":
        form = await request.form()
        first, last = str(form.get("first") or ""), str(form.get("last") or "")
        fmt = "ics" if form.get("format") == "ics" else "csv"
        parsed = _range(first, last)
        if isinstance(parsed, str):
            error = parsed
        else:
            body = exporter.export(services, parsed[0], parsed[1], fmt)
            media = "text/csv; charset=utf-8" if fmt == "csv" else "text/calendar; charset=utf-8"
            name = f"cop-{parsed[0].isoformat()}-{parsed[1].isoformat()}.{fmt}"
            return Response(
                body,
                media_type=media,
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
    return render(
        request,
        "export/export.html",
        member,
        400 if error else 200,
        first=first,
        last=last,
        fmt=fmt,
        error=error,
    )


routes = [Route("/export", export, methods=["GET", "POST"], name="export")]
