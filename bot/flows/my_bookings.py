""" "🗓 Моите часове": the parent's future appointments; cancel (with a confirmation) or move.

Stateless: every view is reached by a `my:*` button whose data carries the appointment id
(and the day or time), so nothing is lost on a restart. Every button checks again that
the appointment belongs to the person pressing it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from admin import notices, waitlist
from bot.context import BotContext
from bot.flows.common import (
    Rows,
    day_rows,
    free_days,
    free_times,
    nearest,
    nearest_rows,
    parse_day,
    parse_epoch,
    status_text,
    time_rows,
    topic_title,
    user_id,
)
from bot.flows.menu import nothing_to_cancel
from bot.i18n import _, format_when, format_when_at
from bot.ui import inline, main_menu, menu_button, menu_filter, require_message, show
from storage import booking
from storage.errors import (
    InvalidTransition,
    NotAllowed,
    NotFound,
    SlotTaken,
    SlotUnavailable,
)
from storage.models import Appointment, AppointmentStatus

log = logging.getLogger(__name__)


def _when(context: BotContext, start: datetime) -> str:
    services = context.services
    return format_when(start, services.settings.tz, services.now())


def _short(context: BotContext, start: datetime) -> str:
    return start.astimezone(context.services.settings.tz).strftime("%d.%m")


MOVING_KEY = "moving"  # user_data: the appointment a parent is moving (for /cancel)


async def show_list(update: Update, context: BotContext, *, prefix: str = "") -> None:
    """List the future appointments with a cancel and a move button for each."""
    if context.user_data is not None:
        context.user_data.pop(MOVING_KEY, None)  # back at the list: no move in progress
    services = context.services
    found = booking.future_for_parent(
        services.db, telegram_user_id=user_id(update), now=services.now()
    )
    rows: Rows = []
    if not found:
        text = prefix + _("Нямате предстоящи часове.")
    else:
        lines = [prefix + _("Вашите предстоящи часове:")]
        for a in found:
            lines.append(
                f"\n• {_when(context, a.start)}\n  {topic_title(context, a.topic)} — "
                f"{status_text(a.status)}"
            )
            short = _short(context, a.start)
            rows.append(
                [
                    (_("🔁 Преместете {date}").format(date=short), f"my:move:{a.id}"),
                    (_("✖️ Отменете {date}").format(date=short), f"my:cancel:{a.id}"),
                ]
            )
        text = "\n".join(lines)
    if len(found) < booking.MAX_FUTURE_BOOKINGS:
        rows.append([(_("📅 Запазете час"), "book:start")])
    waiting = waitlist.entry_of(services, user_id(update))  # issue 22
    if waiting is not None:
        text += "\n\n" + _("⏳ Вие сте в списъка на чакащите: {wish}.").format(
            wish=waitlist.wish_text(waiting.weekdays, waiting.part_of_day)
        )
        rows.append([(_("Излезте от списъка"), "wl:leave")])
    rows.append([menu_button()])
    await show(update, text, inline(rows))


async def my_bookings(update: Update, context: BotContext) -> None:
    """Show the parent's future appointments."""
    await show_list(update, context)


def _id(update: Update, position: int = 2) -> int | None:
    query = update.callback_query
    parts = (query.data or "").split(":") if query and isinstance(query.data, str) else []
    try:
        return int(parts[position])
    except (IndexError, ValueError):
        return None


def _arg(update: Update) -> str:
    query = update.callback_query
    raw = query.data if query is not None and isinstance(query.data, str) else ""
    return raw.rsplit(":", 1)[-1]


async def _own(update: Update, context: BotContext) -> Appointment | None:
    """The pressing parent's own future appointment, or a polite refusal and the list."""
    appointment_id = _id(update)
    now = context.services.now()
    try:
        if appointment_id is None:
            raise NotFound("no id")
        appointment = booking.get_own(
            context.services.db, telegram_user_id=user_id(update), appointment_id=appointment_id
        )
    except (NotFound, NotAllowed):
        log.info("my_bookings: appointment %s is not the user's", appointment_id)
        await show_list(update, context, prefix=_("Не намерих този час сред Вашите.") + "\n\n")
        return None
    if appointment.status not in (AppointmentStatus.pending, AppointmentStatus.confirmed) or (
        appointment.start <= now
    ):
        await show_list(update, context, prefix=_("Този час вече не е активен.") + "\n\n")
        return None
    return appointment


async def ask_cancel(update: Update, context: BotContext) -> None:
    """Ask to confirm the cancellation."""
    appointment = await _own(update, context)
    if appointment is None:
        return
    text = _("Да отменим ли часа {when}?").format(
        when=format_when_at(
            appointment.start, context.services.settings.tz, context.services.now()
        )
    )
    rows: Rows = [
        [(_("✖️ Да, отменете"), f"my:cancelok:{appointment.id}")],
        [(_("⬅️ Назад"), "my:list")],
    ]
    await show(update, text, inline(rows))


async def do_cancel(update: Update, context: BotContext) -> None:
    """Cancel the appointment and tell the staff."""
    appointment = await _own(update, context)
    if appointment is None or appointment.id is None:
        return
    services = context.services
    try:
        booking.cancel_by_parent(
            services.db,
            telegram_user_id=user_id(update),
            appointment_id=appointment.id,
            now=services.now(),
            policy=services.reminder_policy,
            announce=notices.announcer(services),
        )
    except (InvalidTransition, NotAllowed, NotFound):
        await show_list(update, context, prefix=_("Този час вече не е активен.") + "\n\n")
        return
    prefix = _("Часът {when} е отменен. Благодарим Ви, че ни уведомихте.").format(
        when=_when(context, appointment.start)
    )
    await show_list(update, context, prefix=prefix + "\n\n")


async def ask_day(update: Update, context: BotContext) -> None:
    """Show the days with free places to move the appointment to."""
    appointment = await _own(update, context)
    if appointment is None:
        return
    days = free_days(context)
    today = context.services.local_now().date()
    query = update.callback_query
    page = 0
    if query is not None and isinstance(query.data, str) and query.data.startswith("my:mpage:"):
        page = _id(update, 3) or 0
    rows = day_rows(
        days, today, page, f"my:mday:{appointment.id}:{{}}", f"my:mpage:{appointment.id}:{{}}"
    )
    if not days:
        text = _("В момента няма свободни часове. Обадете се на {phone}.").format(
            phone=context.services.content.contacts.main_phone.display
        )
    else:
        text = _("Сега: {when} Изберете нов ден:").format(when=_when(context, appointment.start))
    rows.append([(_("⬅️ Назад"), "my:list")])
    if context.user_data is not None:
        context.user_data[MOVING_KEY] = appointment.id
    await show(update, text, inline(rows))


async def cancel_move(update: Update, context: BotContext) -> None:
    """/cancel while choosing a new time: the move is dropped, the appointment stays."""
    moving = context.user_data.pop(MOVING_KEY, None) if context.user_data else None
    if moving is None:
        await nothing_to_cancel(update, context)
        return
    await require_message(update).reply_text(
        _("Добре, часът остава непроменен."), reply_markup=main_menu()
    )


async def ask_time(update: Update, context: BotContext) -> None:
    """Show the free times of the chosen day."""
    appointment = await _own(update, context)
    if appointment is None:
        return
    day = parse_day(_arg(update))
    found = free_times(context, day) if day else []
    if not found:
        await ask_day(update, context)
        return
    rows = time_rows(found, context, f"my:mtime:{appointment.id}:{{}}")
    rows.append([(_("⬅️ Назад"), f"my:move:{appointment.id}")])
    await show(update, _("Изберете нов час:"), inline(rows))


async def ask_move(update: Update, context: BotContext) -> None:
    """Ask to confirm the move to the chosen time."""
    appointment = await _own(update, context)
    if appointment is None:
        return
    new_start = parse_epoch(_arg(update))
    if new_start is None:
        await ask_day(update, context)
        return
    text = _("Да преместим ли часа от {old} на {new}?").format(
        old=_when(context, appointment.start), new=_when(context, new_start)
    )
    rows: Rows = [
        [(_("✅ Да, преместете"), f"my:mok:{appointment.id}:{int(new_start.timestamp())}")],
        [(_("⬅️ Назад"), f"my:move:{appointment.id}")],
    ]
    await show(update, text, inline(rows))


async def do_move(update: Update, context: BotContext) -> None:
    """Move atomically; if the time was taken meanwhile, offer the nearest free ones."""
    appointment = await _own(update, context)
    if appointment is None or appointment.id is None:
        return
    new_start = parse_epoch(_arg(update))
    services = context.services
    if new_start is None:
        await ask_day(update, context)
        return
    try:
        moved = booking.move(
            services.db,
            telegram_user_id=user_id(update),
            appointment_id=appointment.id,
            new_start=new_start,
            tz=services.settings.tz,
            now=services.now(),
            policy=services.reminder_policy,
            announce=notices.announcer(services),
        )
    except (SlotTaken, SlotUnavailable):
        rows = nearest_rows(
            nearest(context, new_start), context, f"my:mtime:{appointment.id}:{{}}"
        )
        rows.append([(_("📅 Друг ден"), f"my:move:{appointment.id}")])
        text = _("Този час междувременно беше зает. Ето най-близките свободни часове:")
        await show(update, text, inline(rows))
        return
    except (InvalidTransition, NotAllowed, NotFound):
        await show_list(update, context, prefix=_("Този час вече не е активен.") + "\n\n")
        return
    prefix = _("Часът Ви е преместен: {when}").format(when=_when(context, moved.start))
    if moved.status == AppointmentStatus.pending:
        prefix += " " + _("Центърът ще потвърди новия час.")
    await show_list(update, context, prefix=prefix + "\n\n")


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & menu_filter("my"), my_bookings),
        CommandHandler("mybookings", my_bookings, filters=private),
        # Before the menu's /cancel ("nothing to stop"): a move in progress is something.
        CommandHandler("cancel", cancel_move, filters=private),
        CallbackQueryHandler(my_bookings, pattern=r"^my:list$"),
        CallbackQueryHandler(ask_cancel, pattern=r"^my:cancel:\d+$"),
        CallbackQueryHandler(do_cancel, pattern=r"^my:cancelok:\d+$"),
        CallbackQueryHandler(ask_day, pattern=r"^my:(move:\d+|mpage:\d+:\d+)$"),
        CallbackQueryHandler(ask_time, pattern=r"^my:mday:\d+:"),
        CallbackQueryHandler(ask_move, pattern=r"^my:mtime:\d+:\d+$"),
        CallbackQueryHandler(do_move, pattern=r"^my:mok:\d+:\d+$"),
    ]
