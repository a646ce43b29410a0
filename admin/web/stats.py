"""Статистика for a chosen month, for the centre's monthly report: the figures, bars by week
and by topic, the attendance share (SVG drawn on the server by pygal, shown as images so no
script of theirs runs), the year month by month, a printable view and a CSV download."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

from babel.dates import format_date, get_day_names
from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin import stats_report
from admin.staff import StaffInfo
from admin.stats_report import MonthReport
from admin.texts import topic_title
from admin.web.render import render
from admin.web.security import page, services_of
from bot.i18n import _, babel_locale
from bot.services import Services
from storage import survey

# pygal adds an import hook of the old kind (`sys.meta_path`) when first imported: it is
# imported here, when a chart is drawn, not at start-up.
STYLE = {
    "background": "white",
    "plot_background": "white",
    "colors": ("#1f5fa8", "#3c8d40", "#b5462f", "#8a6d1c"),
    "font_family": "system-ui, sans-serif",
}


def _month(request: Request, services: Services) -> date:
    raw = request.query_params.get("month", "")
    try:
        year, month = raw.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return services.local_now().date().replace(day=1)


def _image(chart: Any) -> str:
    svg = chart.render(is_unicode=True).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _bars(title: str, labels: list[str], values: list[int]) -> str:
    import pygal
    from pygal.style import Style

    chart = pygal.HorizontalBar(
        js=[],
        disable_xml_declaration=True,
        show_legend=False,
        style=Style(**STYLE),
        width=640,
        height=max(200, 60 + 40 * len(labels)),
        print_values=True,
        title=title,
    )
    chart.x_labels = labels
    chart.add(title, values)
    return _image(chart)


def charts(services: Services, report: MonthReport) -> dict[str, str]:
    """The month's charts as data URIs."""
    import pygal
    from pygal.style import Style

    o = report.outcomes
    weeks = [format_date(w, "dd.MM", locale=babel_locale()) for w in report.by_week]
    topics = [topic_title(services.content, key) for key in report.by_topic]
    share = pygal.Pie(
        js=[],
        disable_xml_declaration=True,
        style=Style(**STYLE),
        width=640,
        height=360,
        title=_("Дошли и недошли"),
        print_values=True,
        legend_at_bottom=True,
    )
    share.add(_("дошли"), o.attended)
    share.add(_("не дошли"), o.no_shows)
    return {
        "weeks": _bars(
            _("Заявки по седмици (от понеделник)"), weeks, list(report.by_week.values())
        ),
        "topics": _bars(_("Заявки по теми"), topics, list(report.by_topic.values())),
        "attendance": _image(share),
    }


@page()
async def show(request: Request, member: StaffInfo) -> Response:
    """The month's report (?month=YYYY-MM); ?print=1 without the page list and forms."""
    services = services_of(request)
    month = _month(request, services)
    report = stats_report.month_report(
        services, staff_user_id=member.telegram_user_id, month=month
    )
    attended_share = (
        round(
            100 * report.outcomes.attended / (report.outcomes.attended + report.outcomes.no_shows)
        )
        if report.outcomes.attended + report.outcomes.no_shows
        else None
    )
    return render(
        request,
        "stats/stats.html",
        member,
        month=month,
        month_name=format_date(month, "LLLL yyyy", locale=babel_locale()),
        r=report,
        charts=charts(services, report),
        attended_share=attended_share,
        day_names=get_day_names("wide", locale=babel_locale()),
        month_label=lambda d: format_date(d, "LLLL", locale=babel_locale()),
        printable=request.query_params.get("print") == "1",
        survey=survey.month_stats(services.db, month),
        number=lambda x: format_decimal(x, "0.0#", locale=babel_locale()),
    )


@page()
async def download(request: Request, member: StaffInfo) -> Response:
    """The figures as CSV (UTF-8 with BOM)."""
    services = services_of(request)
    month = _month(request, services)
    report = stats_report.month_report(
        services, staff_user_id=member.telegram_user_id, month=month
    )
    return Response(
        stats_report.report_csv(services, report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cop-stats-{month:%Y-%m}.csv"'},
    )


routes = [
    Route("/stats", show, name="stats"),
    Route("/stats.csv", download, name="stats_csv"),
]
