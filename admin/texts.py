"""Staff-facing wording shared by cards, lists and exports: marks, compact dates, topics."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.centre import Content
from bot.i18n import N_, _, babel_locale, format_clock
from storage.models import AppointmentStatus as S

# Marks that read without colour (voice.md): ✅ потвърден, ⏳ чака, ❌ отказан.
MARKS: dict[str, str] = {
    S.pending: "⏳",
    S.confirmed: "✅",
    S.declined: "❌",
    S.cancelled_by_parent: "❌",
    S.cancelled_by_staff: "❌",
    S.attended: "☑️",
    S.no_show: "🚫",
}

STATUS_NAMES: dict[str, str] = {
    S.pending: N_("чака"),
    S.confirmed: N_("потвърден"),
    S.declined: N_("отказан"),
    S.cancelled_by_parent: N_("отменен от родителя"),
    S.cancelled_by_staff: N_("отменен от екипа"),
    S.attended: N_("дойде"),
    S.no_show: N_("не дойде"),
}


def mark(status: str) -> str:
    return MARKS.get(status, "•")


def status_name(status: str) -> str:
    return _(STATUS_NAMES.get(status, status))


def compact_day(moment: datetime, tz: ZoneInfo) -> str:
    """ "вторник, 24.11" """
    return format_date(moment.astimezone(tz).date(), "EEEE, dd.MM", locale=babel_locale())


def compact_when(moment: datetime, tz: ZoneInfo) -> str:
    """ "вторник, 24.11, 10:00" """
    at = moment.astimezone(tz)
    return f"{compact_day(at, tz)}, {format_clock(at)}"


def short_stamp(moment: datetime, tz: ZoneInfo) -> str:
    """ "23.11, 09:15" for "who did it and when"."""
    at = moment.astimezone(tz)
    return f"{at:%d.%m}, {format_clock(at)}"


def topic_title(content: Content, key: str) -> str:
    """The topic's title from the content file (the key itself if it was removed)."""
    topic = content.topic(key)
    return _(topic.title) if topic else key
