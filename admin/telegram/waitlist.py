"""Staff's /waitlist (who waits, for what, since when) and the survey's lines in /stats."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from telegram import Update

from admin import staff as staff_service
from admin import waitlist
from admin.notices import STAFF_LANGUAGE
from admin.telegram.access import refuse, user_id_of
from admin.telegram.replies import reply
from admin.texts import compact_when, topic_title
from bot.centre import Content
from bot.context import BotContext
from bot.i18n import _, babel_locale, language, ngettext
from storage.errors import NotAllowed
from storage.parents import display_phone
from storage.survey import MonthStats
from storage.waitlist import EntryView


def waited_text(since: datetime, now: datetime) -> str:
    """ "чака 3 дни" / "чака 5 ч." """
    hours = max(0, int((now - since).total_seconds() // 3600))
    if hours < 24:
        return ngettext("чака {n} час", "чака {n} часа", hours).format(n=hours)
    days = hours // 24
    return ngettext("чака {n} ден", "чака {n} дни", days).format(n=days)


def waitlist_text(entries: list[EntryView], content: Content, tz: ZoneInfo, now: datetime) -> str:
    """The list, first come first: name, phone, topic, days, part of day, how long waited."""
    if not entries:
        return _("⏳ Списъкът на чакащите е празен.")
    names = get_day_names("abbreviated", locale=babel_locale())
    parts = waitlist.part_labels()
    lines = [_("⏳ Списък на чакащите ({n})").format(n=len(entries))]
    for number, entry in enumerate(entries, 1):
        who = entry.name or _("без име")
        phone = display_phone(entry.phone)
        lines.append(
            f"{number}. {who}" + (f", {phone}" if phone else "")
            + f" — {topic_title(content, entry.topic)}; "
            + ", ".join(names[d] for d in entry.weekdays)
            + f"; {parts.get(entry.part_of_day, entry.part_of_day)}; "
            + waited_text(entry.joined_at, now)
        )  # fmt: skip
        if entry.held_start is not None:
            lines.append(
                "   " + _("предложен час: {when}").format(when=compact_when(entry.held_start, tz))
            )
    return "\n".join(lines)


async def show_waitlist(update: Update, context: BotContext) -> None:
    """Show who waits for a place, first come first, with how long each has waited."""
    services = context.services
    try:
        entries = waitlist.listing(services, staff_user_id=user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    with language(STAFF_LANGUAGE):
        text = waitlist_text(entries, services.content, services.settings.tz, services.now())
    await reply(update, text)


COMMENTS_ROOM = 2500  # characters of comments under the month's booking numbers


def survey_text(stats: MonthStats) -> str:
    """The month's answers to "how useful was the meeting": count, average, spread, comments."""
    month = format_date(stats.first, "LLLL yyyy", locale=babel_locale())
    lines = [_("💬 Отзиви след срещите за {month}: {n}").format(month=month, n=stats.count)]
    if stats.count and stats.average is not None and stats.spread is not None:
        lines.append(
            _("Средна оценка: {average} (разсейване ±{spread})").format(
                average=f"{stats.average:.1f}", spread=f"{stats.spread:.1f}"
            )
        )
        lines.append(" · ".join(f"{score}: {n}" for score, n in stats.per_score.items()))
    room = COMMENTS_ROOM
    for shown, (day, text) in enumerate(stats.comments):
        line = f"• {format_date(day, 'd.MM', locale=babel_locale())} — „{text}“"
        if len(line) > room:  # /stats is one Telegram message (4096 characters in all)
            left = len(stats.comments) - shown
            lines.append(
                ngettext("… и още {n} коментар", "… и още {n} коментара", left).format(n=left)
            )
            break
        lines.append(line)
        room -= len(line) + 1
    return "\n".join(lines)


def is_admin(context: BotContext, user_id: int) -> bool:
    try:
        return staff_service.check(context.services.db, user_id).is_admin
    except NotAllowed:
        return False
