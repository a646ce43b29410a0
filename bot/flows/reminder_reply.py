"""The parent's answer to a reminder: Ще дойда · Не мога да дойда (diagram: .mmd beside).

Buttons carry the appointment id (`rem:yes:<id>`, `rem:no:<id>`, `rem:nocf:<id>`,
`rem:back:<id>`); every press checks that the appointment is the presser's and still
confirmed and ahead, so a forged or stale button changes nothing.
"""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from admin import notices
from admin.reminders import (
    StaleReminder,
    check_can_cancel,
    reminder_buttons,
    reminder_text,
    reply_cant_come,
    reply_coming,
)
from bot.context import BotContext
from bot.i18n import _, format_when_at
from bot.ui import inline, menu_button, show, stale_button
from storage.errors import NotAllowed, NotFound

log = logging.getLogger(__name__)

PATTERN = re.compile(r"^rem:(yes|no|nocf|back):(\d{1,18})$")


def _parse(update: Update) -> tuple[str, int, int] | None:
    """(action, appointment id, presser's Telegram id) from the pressed button."""
    query = update.callback_query
    user = update.effective_user
    match = PATTERN.match(query.data or "") if query else None
    if match is None or user is None:
        return None
    return match.group(1), int(match.group(2)), user.id


def _book_again() -> list[list[tuple[str, str]]]:
    return [[(_("📅 Запазете друг час"), "book:start")], [menu_button()]]


async def _stale(update: Update) -> None:
    """Say kindly that this appointment is no longer ahead, and offer a new booking."""
    await show(
        update,
        _("Този час вече не е активен. Ако желаете, можете да запазите нов час."),
        inline(_book_again()),
    )


async def answer(update: Update, context: BotContext) -> None:
    """Handle Ще дойда / Не мога да дойда / Да, отменете / Назад on a reminder."""
    parsed = _parse(update)
    if parsed is None:
        await stale_button(update, context)
        return
    action, appointment_id, user_id = parsed
    services = context.services
    tz = services.settings.tz
    now = services.now()
    try:
        if action == "yes":
            start = reply_coming(
                services.db,
                appointment_id=appointment_id,
                telegram_user_id=user_id,
                now=now,
                announce=notices.announcer(services),
            )
            await show(
                update,
                _("Благодарим Ви! Очакваме Ви {when}").format(when=format_when_at(start, tz, now)),
            )
        elif action == "no":
            start = check_can_cancel(
                services.db, appointment_id=appointment_id, telegram_user_id=user_id, now=now
            )
            text = _("Часът Ви е {when}\nДа го отменим ли?").format(
                when=format_when_at(start, tz, now)
            )
            buttons = [
                [
                    (_("Да, отменете часа"), f"rem:nocf:{appointment_id}"),
                    (_("Назад"), f"rem:back:{appointment_id}"),
                ]
            ]
            await show(update, text, inline(buttons))
        elif action == "back":
            start = check_can_cancel(
                services.db, appointment_id=appointment_id, telegram_user_id=user_id, now=now
            )
            text = reminder_text(services.content, start, now, services.reminder_policy)
            await show(update, text, inline(reminder_buttons(appointment_id)))
        else:
            reply_cant_come(
                services.db,
                appointment_id=appointment_id,
                telegram_user_id=user_id,
                now=now,
                policy=services.reminder_policy,
                announce=notices.announcer(services),
            )
            await show(
                update,
                _(
                    "Часът Ви е отменен. Благодарим Ви, че ни уведомихте.\n"
                    "Ако желаете, можете да запазите друг час."
                ),
                inline(_book_again()),
            )
    except (NotAllowed, NotFound):
        log.info("reminder button %s on appointment %s refused", action, appointment_id)
        await stale_button(update, context)
    except StaleReminder:
        await _stale(update)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CallbackQueryHandler(answer, pattern=r"^rem:")]
