"""Opening hours from Telegram: /hours for staff; /close and /open a day for admins.

Closing a day (`admin.hours`) lists the appointments it hits, with a button that cancels
them and tells each parent kindly. Weekly rules are set with `cop-admin hours set`.

Callback prefix owned here:
- `st:cl:YYYYMMDD` cancel the closed day's appointments and notify their parents.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from admin import hours
from admin import staff as staff_service
from admin.dates import parse_day
from admin.telegram import cards
from admin.telegram.access import refuse, user_id_of
from admin.telegram.lists import local_today
from admin.telegram.replies import callback_parts, edit_markup, query_of, reply
from bot.context import BotContext
from bot.i18n import _
from storage.errors import NotAllowed
from storage.models import StaffRole


async def show_hours(update: Update, context: BotContext) -> None:
    """Show the weekly hours, slot rules and closed days."""
    services = context.services
    try:
        staff_service.check(services.db, user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    await reply(update, cards.hours_text(hours.show(services.db)))


async def close(update: Update, context: BotContext) -> None:
    """Admin: close a day; list the appointments it hits and offer to notify the parents."""
    services = context.services
    args = context.args or []
    try:
        staff_service.check(services.db, user_id_of(update), StaffRole.admin)
    except NotAllowed:
        await refuse(update, context)
        return
    try:
        day = parse_day(args[0], local_today(services)) if args else None
    except ValueError:
        day = None
    if day is None or day < local_today(services):
        await reply(update, _("Напишете: /close 24.12.2026 причина (датата не е минала)"))
        return
    reason = " ".join(args[1:]).strip()[:200] or None
    try:
        hit = hours.close_day(services, staff_user_id=user_id_of(update), day=day, reason=reason)
    except NotAllowed:
        await refuse(update, context)
        return
    tz = services.settings.tz
    title = _("🚫 Денят {day} е затворен за записване.").format(day=f"{day:%d.%m.%Y}")
    if not hit:
        await reply(update, f"{title}\n{_('Няма засегнати часове.')}")
        return
    markup = cards.list_markup(hit, tz)
    rows = list(markup.inline_keyboard) if markup else []
    notify = _("📨 Отмени и уведоми родителите")
    rows.append((InlineKeyboardButton(notify, callback_data=f"st:cl:{day:%Y%m%d}"),))
    await reply(
        update,
        cards.list_text(title + "\n" + _("Засегнати часове:"), hit, services.content, tz),
        InlineKeyboardMarkup(rows),
    )


async def open_(update: Update, context: BotContext) -> None:
    """Admin: open a closed day again."""
    services = context.services
    args = context.args or []
    try:
        staff_service.check(services.db, user_id_of(update), StaffRole.admin)
        day = parse_day(args[0], local_today(services)) if args else None
    except NotAllowed:
        await refuse(update, context)
        return
    except ValueError:
        day = None
    if day is None:
        await reply(update, _("Напишете: /open 24.12.2026"))
        return
    opened = hours.open_day(services, staff_user_id=user_id_of(update), day=day)
    text = (
        _("✅ Денят {day} отново е отворен за записване.")
        if opened
        else _("Денят {day} не беше затворен.")
    )
    await reply(update, text.format(day=f"{day:%d.%m.%Y}"))


async def notify_closure(update: Update, context: BotContext) -> None:
    """Cancel the closed day's appointments and tell each parent kindly."""
    services = context.services
    day = datetime.strptime(callback_parts(update)[2], "%Y%m%d").date()
    try:
        hit = hours.cancel_for_closure(services, staff_user_id=user_id_of(update), day=day)
    except NotAllowed:
        await refuse(update, context)
        return
    # The parents' messages and the cards' edits went into the outbox with the cancellations.
    await query_of(update).answer(_("Отменени часове: {n}.").format(n=len(hit)))
    await edit_markup(update, None)
    await reply(
        update,
        _("Отменени часове: {n}. Съобщенията до родителите се изпращат.").format(n=len(hit)),
    )
