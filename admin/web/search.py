"""Търсене by a parent's name or phone. The query goes in a POST body, never in the URL
(no names or phones in addresses, browser history or logs)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import lists
from admin.staff import StaffInfo
from admin.web.render import render
from admin.web.security import page, services_of

QUERY_MAX = 100


@page()
async def search(request: Request, member: StaffInfo) -> Response:
    """The search form; on POST also the matching appointments, newest first."""
    query, views = "", None
    if request.method == "POST":
        form = await request.form()
        query = str(form.get("q") or "").strip()[:QUERY_MAX]
        views = lists.find(services_of(request), staff_user_id=member.telegram_user_id, text=query)
    return render(request, "search/search.html", member, query=query, views=views)


routes = [Route("/search", search, methods=["GET", "POST"], name="search")]
