"""Staff-facing wording shared by cards, lists and exports: marks, compact dates, topics."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.bidi import first_strong
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


# The parent's language in staff lists and cards, so staff know to bring an interpreter or
# call; Bulgarian parents get no mark.
LANGUAGE_NAMES: dict[str, str] = {
    "bg": N_("български"),
    "en": N_("английски"),
    "uk": N_("украински"),
    "ar": N_("арабски"),
    "fa": N_("дари"),
    "tr": N_("турски"),
}


def language_mark(code: str | None) -> str:
    """ "🌐 арабски" for a parent who reads another language; "" for Bulgarian."""
    if not code or code == "bg":
        return ""
    return f"🌐 {_(LANGUAGE_NAMES.get(code, code))}"


def as_typed(text: str) -> str:
    """A parent's own words, unchanged; right-to-left ones isolated so the line keeps its order."""
    if first_strong(text) in ("R", "AL"):
        return f"\u2068{text}\u2069"
    return text


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
