"""The desk's guards: who is signed in (checked against the staff table on every request),
CSRF tokens, response headers, and the limit on wrong sign-in links.

The session is Starlette's signed cookie (itsdangerous): it holds only the Telegram id,
when the person signed in, the CSRF token and the next flash message; no name, no phone.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin import staff as staff_service
from admin.staff import StaffInfo
from bot.i18n import set_language
from bot.services import Services
from storage.errors import NotAllowed
from storage.models import StaffRole

SESSION_HOURS = 12
CSRF_FIELD = "csrf"

# Wrong, used or expired sign-in links: 10 a quarter of an hour from one address.
SIGN_IN_FAILURES = RateLimitItemPerMinute(10, 15)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class NeedSignIn(Exception):
    """No session, an ended one, or the person is no longer staff."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this (or the CSRF token is wrong)."""


class SignInLimiter:
    """Counts failed sign-ins per client address (in memory: one process serves the desk)."""

    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def blocked(self, client: str) -> bool:
        return not self._limiter.test(SIGN_IN_FAILURES, "signin", client)

    def failed(self, client: str) -> None:
        self._limiter.hit(SIGN_IN_FAILURES, "signin", client)


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


def services_of(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


def start_session(request: Request, member: StaffInfo) -> None:
    """A fresh session for `member` (a new CSRF token; nothing of an older one kept)."""
    request.session.clear()
    request.session.update(
        uid=member.telegram_user_id,
        since=int(time.time()),
        csrf=secrets.token_urlsafe(32),
    )


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return str(token)


def check_csrf(request: Request, form: FormData) -> None:
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_FIELD)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("csrf")


def signed_in(request: Request, role: StaffRole = StaffRole.staff) -> StaffInfo:
    """The session's person, checked against the staff table now; NeedSignIn / Forbidden."""
    uid = request.session.get("uid")
    since = request.session.get("since")
    if not isinstance(uid, int) or not isinstance(since, int):
        raise NeedSignIn("no session")
    if time.time() - since > SESSION_HOURS * 3600:
        request.session.clear()
        raise NeedSignIn("session over")
    db = services_of(request).db
    try:
        member = staff_service.check(db, uid)
    except NotAllowed as exc:  # removed from the staff list: the session ends at once
        request.session.clear()
        raise NeedSignIn("not staff") from exc
    if role == StaffRole.admin and not member.is_admin:
        raise Forbidden("admin only")
    return member


Endpoint = Callable[[Request, StaffInfo], Awaitable[Response]]


def page(
    role: StaffRole = StaffRole.staff,
) -> Callable[[Endpoint], Callable[[Request], Awaitable[Response]]]:
    """A staff page: signed in, the role checked, CSRF checked on POST, Bulgarian."""

    def wrap(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            set_language("bg")
            member = signed_in(request, role)
            if request.method == "POST":
                check_csrf(request, await request.form())
            return await endpoint(request, member)

        return guarded

    return wrap


class SecurityHeaders:
    """Headers on every answer: CSP without inline scripts, no framing, no referrer, and
    `no-store` on everything but the static files (pages carry names and phones)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"no-referrer",
                    b"x-content-type-options": b"nosniff",
                }
                if not static:
                    extra[b"cache-control"] = b"no-store"
                names = {name.lower() for name, _value in headers}
                headers.extend((k, v) for k, v in extra.items() if k not in names)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
