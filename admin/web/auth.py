"""Signing in with a one-time link from the bot, and out again.

The link (`/login/TOKEN`) opens a page with one button; only pressing it (a POST) uses the
token up. Telegram's link previews and mail scanners fetch links on their own; a GET that
signed in would spend the link before the person opens it.
"""

from __future__ import annotations

import contextlib

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import web_signin
from admin.staff import StaffInfo
from admin.web.render import flash, redirect, render
from admin.web.security import (
    Forbidden,
    NeedSignIn,
    SignInLimiter,
    check_csrf,
    client_of,
    page,
    services_of,
    signed_in,
    start_session,
)
from bot.i18n import _, set_language
from storage.errors import NotAllowed


def _limiter(request: Request) -> SignInLimiter:
    limiter = request.app.state.sign_in_limiter
    assert isinstance(limiter, SignInLimiter)
    return limiter


async def open_link(request: Request) -> Response:
    """The page a sign-in link opens: "Влез" as a button."""
    set_language("bg")
    if _limiter(request).blocked(client_of(request)):
        return render(request, "auth/failed.html", None, 429, reason=_too_many())
    return render(request, "auth/open.html", None, token=request.path_params["token"])


def _too_many() -> str:
    return _("Твърде много неуспешни опити. Опитайте отново след 15 минути.")


async def sign_in(request: Request) -> Response:
    """Use the link once and start a 12-hour session."""
    set_language("bg")
    limiter, client = _limiter(request), client_of(request)
    if limiter.blocked(client):
        return render(request, "auth/failed.html", None, 429, reason=_too_many())
    form = await request.form()
    check_csrf(request, form)
    token = str(form.get("token") or "")
    try:
        member = web_signin.redeem(services_of(request).db, token)
    except web_signin.SignInExpired:
        reason = _("Връзката е изтекла (важи 10 минути).")
    except web_signin.SignInUsed:
        reason = _("Връзката вече е използвана (важи веднъж).")
    except (web_signin.SignInInvalid, NotAllowed):
        reason = _("Връзката не е валидна.")
    else:
        start_session(request, member)
        flash(request, _("Влязохте като {name}.").format(name=member.name))
        return redirect(request, "week")
    limiter.failed(client)
    return render(request, "auth/failed.html", None, 400, reason=reason)


@page()
async def sign_out(request: Request, member: StaffInfo) -> Response:
    """End the session."""
    request.session.clear()
    return redirect(request, "signed_out")


async def signed_out(request: Request) -> Response:
    """Say how to sign in again."""
    set_language("bg")
    return render(request, "auth/signed_out.html", None)


async def need_sign_in(request: Request, exc: Exception) -> Response:
    """No session (or an ended one): say how to get a link; nothing of the page."""
    set_language("bg")
    return render(request, "auth/need.html", None, 401)


async def forbidden(request: Request, exc: Exception) -> Response:
    """Signed in, but not allowed (admin only, or a form without its CSRF token)."""
    set_language("bg")
    member = None
    with contextlib.suppress(NeedSignIn):  # the header shows who is signed in, if anyone
        member = signed_in(request)
    text = (
        _("Формулярът е остарял. Отворете страницата отново и опитайте пак.")
        if str(exc) == "csrf"
        else _("Това действие е само за администратор.")
    )
    return render(request, "auth/forbidden.html", member, 403, reason=text)


async def server_error(request: Request, exc: Exception) -> Response:
    """Anything unexpected: a short apology (the traceback goes to the log, ids only)."""
    set_language("bg")
    return render(request, "auth/error.html", None, 500)


EXCEPTIONS = {NeedSignIn: need_sign_in, Forbidden: forbidden, Exception: server_error}

routes = [
    Route("/login/{token}", open_link, name="login_link"),
    Route("/login", sign_in, methods=["POST"], name="login"),
    Route("/logout", sign_out, methods=["POST"], name="logout"),
    Route("/signed-out", signed_out, name="signed_out"),
]
