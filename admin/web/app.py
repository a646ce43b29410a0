"""The web desk's ASGI app: every page family's routes, the static files, the guards.

Built from the bot's own Application, so it uses the same Services (database, content,
settings) and the same Bot to tell parents and edit the staff cards.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from telegram.ext import Application

from admin import web_signin
from admin.web import (
    appointment,
    audit,
    auth,
    days_off,
    export,
    hours,
    pending,
    questions,
    search,
    stats,
    team,
    waitlist,
    week,
)
from admin.web.security import SESSION_HOURS, SecurityHeaders, SignInLimiter
from bot.context import SERVICES_KEY
from bot.services import Services

STATIC = Path(__file__).resolve().parent / "static"
COOKIE = "cop_desk"


def create_app(application: Application[Any, Any, Any, Any, Any, Any]) -> Starlette:
    """The desk for this bot: its services, its Bot, a session key shared by every process."""
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    settings = services.settings
    key = web_signin.session_key(services.db, settings.web_secret)
    app = Starlette(
        routes=[
            *auth.routes,
            *week.routes,
            *pending.routes,
            *questions.routes,
            *waitlist.routes,
            *appointment.routes,
            *search.routes,
            *export.routes,
            *hours.routes,
            *days_off.routes,
            *team.routes,
            *stats.routes,
            *audit.routes,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=key,
                session_cookie=COOKIE,
                max_age=SESSION_HOURS * 3600,
                same_site="lax",  # the sign-in link arrives from Telegram, another site
                https_only=settings.web_base_url.startswith("https://"),
            ),
        ],
        exception_handlers=auth.EXCEPTIONS,  # type: ignore[arg-type]
    )
    app.state.services = services
    app.state.application = application
    app.state.sign_in_limiter = SignInLimiter()
    return app
