"""Екип: who is staff and with which role; admins invite (a one-time code for `/staff CODE`
with its expiry, and a QR code that opens the bot with it), change roles and remove people
(their web sessions and Telegram staff commands stop at once)."""

from __future__ import annotations

from typing import Any

import segno
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import staff as staff_service
from admin import team
from admin.staff import StaffInfo
from admin.web.render import flash, redirect, render
from admin.web.security import page, services_of
from bot.i18n import _
from storage.errors import NotFound
from storage.models import StaffRole
from storage.staff import parse_role


def deep_link(username: str | None, code: str) -> str | None:
    """t.me link that opens the bot and sends /start staff-CODE (None without a username)."""
    return f"https://t.me/{username}?start=staff-{code}" if username else None


def _bot_username(request: Request) -> str | None:
    """None on a standby's desk: its bot has not asked Telegram who it is yet (getMe)."""
    try:
        return str(request.app.state.application.bot.username)
    except RuntimeError:  # PTB: the Bot is not initialised
        return None


def _show(request: Request, member: StaffInfo, **extra: Any) -> Response:
    members = staff_service.list_all(services_of(request).db)
    return render(request, "team/team.html", member, members=members, **extra)


@page()
async def show(request: Request, member: StaffInfo) -> Response:
    """The team; the invite and change forms for admins."""
    return _show(request, member)


@page(StaffRole.admin)
async def invite(request: Request, member: StaffInfo) -> Response:
    """A one-time code, shown once on this answer (never stored in plain, never redirected)."""
    services = services_of(request)
    form = await request.form()
    role = StaffRole.admin if form.get("role") == "admin" else StaffRole.staff
    made = staff_service.invite(services.db, role=role)
    link = deep_link(_bot_username(request), made.code)
    qr = segno.make(link or made.code, error="m").svg_data_uri(scale=5, border=2)
    return _show(request, member, invite=made, invite_link=link, qr=qr)


@page(StaffRole.admin)
async def change(request: Request, member: StaffInfo) -> Response:
    """Change a role or remove a person."""
    services = services_of(request)
    form = await request.form()
    raw_id = str(form.get("user") or "")
    if not raw_id.lstrip("-").isdigit():
        flash(request, _("Няма такъв човек в екипа."), "error")
        return redirect(request, "team")
    user_id = int(raw_id)
    try:
        if form.get("action") == "remove":
            team.remove(services.db, by_user_id=member.telegram_user_id, telegram_user_id=user_id)
            flash(request, _("Премахнат от екипа. Входът му спира веднага."))
        else:
            role = parse_role(str(form.get("role") or ""))
            team.set_role(
                services.db,
                by_user_id=member.telegram_user_id,
                telegram_user_id=user_id,
                role=role,
            )
            flash(request, _("Ролята е променена."))
    except team.LastAdmin:
        flash(
            request,
            _(
                "Не може: центърът трябва да има поне един администратор "
                "и никой не премахва себе си."
            ),
            "error",
        )
    except (NotFound, ValueError):
        flash(request, _("Няма такъв човек в екипа."), "error")
    return redirect(request, "team")


routes = [
    Route("/team", show, name="team"),
    Route("/team/invite", invite, methods=["POST"], name="team_invite"),
    Route("/team/change", change, methods=["POST"], name="team_change"),
]
