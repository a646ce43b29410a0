"""/mydata shows what is stored about the parent; /forget erases it after a confirmation."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from admin import notices
from admin import questions as question_notices
from bot.context import BotContext
from bot.flows.common import chat_id, status_text, topic_title, user_id
from bot.i18n import LANGUAGE_AUTONYMS, _, format_clock, format_day_numeric, format_when, ngettext
from bot.ui import inline, main_menu, menu_button, require_message, show
from storage import parents, questions
from storage.models import AppointmentStatus

log = logging.getLogger(__name__)


def _status(status: str) -> str:
    if status in (AppointmentStatus.pending, AppointmentStatus.confirmed):
        return status_text(status)
    if status == AppointmentStatus.attended:
        return _("посетен")
    if status == AppointmentStatus.no_show:
        return _("пропуснат")
    if status in (AppointmentStatus.declined, AppointmentStatus.cancelled_by_staff):
        return _("❌ отказан от центъра")
    return _("❌ отменен")


async def my_data(update: Update, context: BotContext) -> None:
    """Show the name, phone, consent time, language and appointments we hold."""
    services = context.services
    tz = services.settings.tz
    held = parents.my_data(services.db, telegram_user_id=user_id(update))
    if held is None:
        await require_message(update).reply_text(
            _("Не пазим лични данни за Вас."), reply_markup=main_menu()
        )
        return
    dash = "—"
    consent = (
        _("{day}, {time} ч.").format(
            day=format_day_numeric(held.consent_at.astimezone(tz).date()),
            time=format_clock(held.consent_at.astimezone(tz)),
        )
        if held.consent_at
        else _("не е дадено")
    )
    lines = [
        _("Ето какво пазим за Вас:"),
        _("Име: {name}").format(name=held.name or dash),
        _("Телефон: {phone}").format(phone=parents.display_phone(held.phone) or dash),
        _("Съгласие: {consent}").format(consent=consent),
        _("Език: {language}").format(language=LANGUAGE_AUTONYMS.get(held.language, held.language)),
        _("Вашият Telegram номер (идентификатор) — за да Ви отговаряме."),
    ]
    if held.appointments:
        lines.append(_("Часове:"))
        for a in held.appointments[-10:]:
            lines.append(
                f"• {format_when(a.start, tz, services.now())} — {topic_title(context, a.topic)}, "
                f"{_status(a.status)}"
            )
            if a.note:
                lines.append("  " + _("Бележка: {note}").format(note=a.note))
    lines += _question_lines(context, user_id(update))
    rows = [[(_("🗑 Изтрийте данните"), "data:forget")], [menu_button()]]
    await show(update, "\n".join(lines), inline(rows))


QUESTION_PREVIEW = 200  # /mydata shows the start of each question


def _question_lines(context: BotContext, uid: int) -> list[str]:
    """The parent's questions to a specialist: when, status and the start of the text."""
    services = context.services
    asked = questions.of_parent(services.db, uid)
    if not asked:
        return []
    statuses = {
        "open": _("чака отговор"),
        "answered": _("с отговор"),
        "closed": _("затворен"),
    }
    lines = [_("Въпроси към специалист:")]
    for q in asked[-5:]:
        text = " ".join(q.first_text.split())
        if len(text) > QUESTION_PREVIEW:
            text = text[:QUESTION_PREVIEW] + "…"
        when = format_when(q.created_at, services.settings.tz, services.now())
        lines.append(f"• {when} — {statuses.get(q.status, q.status)}: {text}")
    return lines


async def ask_forget(update: Update, context: BotContext) -> None:
    """Ask to confirm the erasure, saying what it does."""
    text = _(
        "Да изтрием ли името, телефона, съгласието и въпросите Ви? Предстоящите Ви часове "
        "ще бъдат отменени."
    )
    rows = [
        [(_("🗑 Да, изтрийте"), "data:forget:yes")],
        [(_("⬅️ Не, оставете"), "data:forget:no")],
    ]
    await show(update, text, inline(rows))


async def do_forget(update: Update, context: BotContext) -> None:
    """Erase the parent's data, cancel future appointments and tell the staff."""
    services = context.services
    uid = user_id(update)
    cancelled = parents.forget(
        services.db,
        telegram_user_id=uid,
        chat_id=chat_id(update),
        now=services.now(),
        policy=services.reminder_policy,
        announce=notices.announcer(services),
        question_announce=question_notices.announcer(services),
    )
    # The in-memory copy would be written back on the next save otherwise.
    if context.user_data is not None:
        context.user_data.clear()
    services.languages.forget(uid)  # the row (and its language choice) is gone
    log.info("user data forgotten; %d appointments cancelled", len(cancelled))
    text = _("Готово. Изтрихме името, телефона, съгласието и въпросите Ви.")
    if cancelled:
        text += " " + ngettext(
            "Отменихме {n} предстоящ час.", "Отменихме {n} предстоящи часа.", len(cancelled)
        ).format(n=len(cancelled))
    await show(update, text)
    await context.bot.send_message(
        chat_id(update), _("Изберете от менюто какво Ви интересува."), reply_markup=main_menu()
    )


async def keep(update: Update, context: BotContext) -> None:
    """Leave everything as it is."""
    await show(update, _("Добре, нищо не сме променили."), inline([[menu_button()]]))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        CommandHandler("mydata", my_data, filters=private),
        CommandHandler("forget", ask_forget, filters=private),
        CallbackQueryHandler(ask_forget, pattern=r"^data:forget$"),
        CallbackQueryHandler(do_forget, pattern=r"^data:forget:yes$"),
        CallbackQueryHandler(keep, pattern=r"^data:forget:no$"),
    ]
