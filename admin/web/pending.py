"""Чакащи: the requests still waiting for an answer, the oldest request first.

Each has Потвърди · Откажи (a preset reason from the content file, or a typed one) ·
Друг час; the forms post to the appointment's actions (`admin.web.appointment`) and come
back here.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import lists
from admin.staff import StaffInfo
from admin.web.render import render
from admin.web.security import page, services_of


@page()
async def pending(request: Request, member: StaffInfo) -> Response:
    """The pending requests, oldest request first, each with its three answers."""
    services = services_of(request)
    views = lists.pending(services, staff_user_id=member.telegram_user_id)
    views.sort(key=lambda v: (v.created_at, v.id))
    return render(
        request,
        "pending/list.html",
        member,
        views=views,
        reasons=services.content.booking.decline_reasons,
    )


routes = [Route("/pending", pending, name="pending")]
