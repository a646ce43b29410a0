"""Списък на чакащите: everyone on the waiting list, first come first, with how long each
has waited and what suits them (read-only; the list runs itself, `admin.waitlist`)."""

from __future__ import annotations

from babel.dates import format_timedelta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import waitlist as service
from admin.staff import StaffInfo
from admin.web.render import render
from admin.web.security import page, services_of
from bot.i18n import babel_locale


@page()
async def listing(request: Request, member: StaffInfo) -> Response:
    """The list in its order, each with the waiting time (Babel) and their wish."""
    services = services_of(request)
    entries = service.listing(services, staff_user_id=member.telegram_user_id)
    now = services.now()
    return render(
        request,
        "waitlist/list.html",
        member,
        entries=entries,
        waited={
            e.id: format_timedelta(max(now - e.joined_at, now - now), locale=babel_locale())
            for e in entries
        },
        wishes={e.id: service.wish_text(e.weekdays, e.part_of_day) for e in entries},
    )


routes = [Route("/waitlist", listing, name="waitlist")]
