"""Templates and what every page gets: who is signed in, the page list, the flash message.

Texts go through the bot's own gettext (`bot.i18n._`, message ids are the Bulgarian texts;
extracted from the templates by `scripts/i18n.py`); dates through Babel (`bot.i18n`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from admin.staff import StaffInfo
from admin.texts import mark, status_name, topic_title
from admin.web.security import csrf_token, services_of
from bot.i18n import (
    N_,
    _,
    format_clock,
    format_day,
    format_day_numeric,
    format_day_short,
    ngettext,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"

# (route name, label): the page list in the header, in this order.
NAV = (
    ("week", N_("Седмица")),
    ("today", N_("Днес")),
    ("pending", N_("Чакащи")),
    ("questions", N_("Въпроси")),
    ("waitlist", N_("Списък на чакащите")),
    ("search", N_("Търсене")),
    ("hours", N_("Работно време")),
    ("days_off", N_("Почивни дни")),
    ("team", N_("Екип")),
    ("stats", N_("Статистика")),
    ("audit", N_("Одит")),
)
ADMIN_NAV = (("export", N_("Експорт")),)


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_, ngettext=ngettext, newstyle=False
    )
    env.globals.update(
        _=_,
        mark=mark,
        status_name=status_name,
        format_clock=format_clock,
        format_day=format_day,
        format_day_short=format_day_short,
        format_day_numeric=format_day_numeric,
    )
    return env


ENV = _environment()


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """One message shown on the next page (post/redirect/get)."""
    request.session["flash"] = [kind, text]


def redirect(request: Request, name: str, **params: Any) -> RedirectResponse:
    return RedirectResponse(request.url_for(name, **params).path, status_code=303)


def render(
    request: Request,
    template: str,
    member: StaffInfo | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    services = services_of(request)
    tz = services.settings.tz

    def local(moment: datetime) -> datetime:
        return moment.astimezone(tz)

    def topic(key: str) -> str:
        return topic_title(services.content, key)

    shown = request.session.pop("flash", None)
    nav = NAV + (ADMIN_NAV if member is not None and member.is_admin else ())

    def url_for(name: str, **params: Any) -> str:
        """A path, not a full URL: right behind the TLS proxy too."""
        return str(request.url_for(name, **params).path)

    html = ENV.get_template(template).render(
        request=request,
        url_for=url_for,
        me=member,
        nav=nav,
        flash=shown,
        csrf=csrf_token(request),
        local=local,
        topic=topic,
        today=services.local_now().date(),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
