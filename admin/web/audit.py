"""Одит: the audit trail, filtered by date, person, appointment and kind of action (newest
first, at most 200 lines). Filters travel in the query string: dates, an appointment's
number, a staff member's Telegram id; never a parent's name or phone."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import audit as audit_service
from admin import staff as staff_service
from admin.lists import day_bounds
from admin.staff import StaffInfo
from admin.web.appointment import ACTIONS, _who
from admin.web.render import render
from admin.web.security import page, services_of
from bot.i18n import N_

MORE_ACTIONS = {
    "status": N_("промяна на статуса"),
    "close": N_("затворен ден"),
    "open": N_("отворен ден"),
    "hours": N_("работно време"),
    "staff_role": N_("роля в екипа"),
    "staff_remove": N_("премахнат от екипа"),
}
ACTORS = (
    ("parent", N_("родител")),
    ("system", N_("системата")),
    ("cli", N_("сървърът (cop-admin)")),
)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@page()
async def show(request: Request, member: StaffInfo) -> Response:
    """The trail with its filters."""
    services = services_of(request)
    q = request.query_params
    first, last = _date(q.get("first")), _date(q.get("last"))
    start = day_bounds(first, first, services.settings.tz)[0] if first else None
    end = day_bounds(last, last, services.settings.tz)[1] if last else None
    raw_id = q.get("appointment", "").strip().lstrip("№")
    appointment_id = int(raw_id) if raw_id.isdigit() else None
    action = q.get("action") if q.get("action") in audit_service.ACTIONS else None
    actor = q.get("actor") or None
    entries = audit_service.search(
        services.db,
        start=start,
        end=end,
        actor=actor,
        appointment_id=appointment_id,
        action=action,
    )
    kinds = {**ACTIONS, **MORE_ACTIONS}
    return render(
        request,
        "audit/audit.html",
        member,
        entries=[(e, _who(e.actor)) for e in entries],
        kinds=kinds,
        actions=audit_service.ACTIONS,
        team=staff_service.list_all(services.db),
        actors=ACTORS,
        f={
            "first": first.isoformat() if first else "",
            "last": last.isoformat() if last else "",
            "appointment": str(appointment_id or ""),
            "action": action or "",
            "actor": actor or "",
        },
        tz_local=lambda moment: moment.astimezone(services.settings.tz),
    )


routes = [Route("/audit", show, name="audit")]
