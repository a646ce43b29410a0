"""Staff list commands: /today, /tomorrow, /week, /pending, /undelivered, /find and /stats.

Each calls `admin.lists` (or `admin.stats`) and renders with `admin.telegram.cards`; every
listed appointment gets a `st:open:ID` button, which `admin.telegram.appointment_view`
answers. Owns no callback prefix.
"""

from __future__ import annotations

from datetime import date

from telegram import Update

from admin import lists, stats
from admin import staff as staff_service
from admin.appointments import AppointmentView
from admin.telegram import cards
from admin.telegram.access import refuse, user_id_of
from admin.telegram.replies import reply
from admin.telegram.waitlist import is_admin, survey_text
from bot.context import BotContext
from bot.i18n import _
from bot.services import Services
from storage import survey
from storage.errors import NotAllowed


def local_today(services: Services) -> date:
    """Today on the centre's wall clock."""
    return services.local_now().date()


async def _reply_list(
    update: Update, services: Services, title: str, views: list[AppointmentView]
) -> None:
    """Send the listed appointments with a button to open each."""
    tz = services.settings.tz
    await reply(
        update, cards.list_text(title, views, services.content, tz), cards.list_markup(views, tz)
    )


async def _send_list(
    update: Update, context: BotContext, title: str, first: date, last: date
) -> None:
    services = context.services
    try:
        views = lists.between(services, staff_user_id=user_id_of(update), first=first, last=last)
    except NotAllowed:
        await refuse(update, context)
        return
    await _reply_list(update, services, title, views)


async def today(update: Update, context: BotContext) -> None:
    """Show today's appointments with a button to open each."""
    day = local_today(context.services)
    await _send_list(update, context, _("📋 Днес"), day, day)


async def tomorrow(update: Update, context: BotContext) -> None:
    """Show tomorrow's appointments with a button to open each."""
    day = date.fromordinal(local_today(context.services).toordinal() + 1)
    await _send_list(update, context, _("📋 Утре"), day, day)


async def week(update: Update, context: BotContext) -> None:
    """Show the next seven days, grouped by day."""
    first = local_today(context.services)
    last = date.fromordinal(first.toordinal() + 6)
    await _send_list(update, context, _("📋 Следващите 7 дни"), first, last)


async def pending(update: Update, context: BotContext) -> None:
    """Show every future request still waiting for an answer."""
    services = context.services
    try:
        views = lists.pending(services, staff_user_id=user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    await _reply_list(update, services, _("⏳ Чакат потвърждение"), views)


async def undelivered(update: Update, context: BotContext) -> None:
    """Show the appointments whose parent a message did not reach (call them instead)."""
    services = context.services
    try:
        views = lists.undelivered(services, staff_user_id=user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    await _reply_list(update, services, _("⚠️ Съобщения, които не стигнаха до родителя"), views)


async def find(update: Update, context: BotContext) -> None:
    """Find appointments by the parent's name or phone."""
    services = context.services
    text = " ".join(context.args or [])
    try:
        views = lists.find(services, staff_user_id=user_id_of(update), text=text)
    except NotAllowed:
        await refuse(update, context)
        return
    if not text.strip():
        await reply(update, _("Напишете: /find име или телефон"))
        return
    await _reply_list(update, services, _("🔎 Намерени часове"), views)


async def show_stats(update: Update, context: BotContext) -> None:
    """Show the month's numbers (this month, or /stats 2026-10)."""
    services = context.services
    try:
        month = (
            stats.parse_month(context.args[0])
            if context.args
            else local_today(services).replace(day=1)
        )
    except ValueError:
        month = None
    try:
        staff_service.check(services.db, user_id_of(update))
        if month is None:
            await reply(update, _("Напишете: /stats или /stats 2026-11"))
            return
        numbers = stats.month_stats(services, staff_user_id=user_id_of(update), month=month)
    except NotAllowed:
        await refuse(update, context)
        return
    text = cards.stats_text(numbers, services.content)
    if is_admin(context, user_id_of(update)):  # issue 22: answers after visits, admins only
        text += "\n\n" + survey_text(survey.month_stats(services.db, month))
    await reply(update, text)
