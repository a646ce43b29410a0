"""Who may use the staff floor, and what a refused or stale staff button gets.

Every staff handler asks an `admin` service, which checks the staff list on every call and
raises `NotAllowed`; the handler then calls `refuse`: anyone who is not staff gets the
ordinary "Не успях да разбера…" answer and nothing more (silence in groups). `button` wraps
the staff buttons so a gone appointment or an impossible action gets a short alert.

Owns the catch-all for the `st:` prefix (`stale`): a staff button this version no longer
knows. It is registered after every other `st:` handler.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from admin import appointments
from admin import staff as staff_service
from admin.appointments import AppointmentView
from admin.telegram.replies import query_of
from bot.answers import not_understood_text
from bot.context import BotContext
from bot.i18n import _
from bot.ui import main_menu
from storage.errors import InvalidTransition, NotAllowed, NotFound


def user_id_of(update: Update) -> int:
    """The Telegram id of whoever sent the update; no user is not allowed."""
    user = update.effective_user
    if user is None:
        raise NotAllowed("no user")
    return user.id


def is_private(update: Update) -> bool:
    """Whether the update came from a private chat (not the staff group)."""
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


async def refuse(update: Update, context: BotContext) -> None:
    """Not staff (or not theirs): the ordinary "did not understand" answer, nothing more."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    if not is_private(update):
        return  # in groups the bot stays silent, as the fallback does
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id, not_understood_text(context.services.content), reply_markup=main_menu()
    )


async def open_or_refuse(
    update: Update, context: BotContext, appointment_id: int
) -> AppointmentView | None:
    """The appointment for this staff member; None once someone who is not staff is refused."""
    try:
        return appointments.open_for_staff(
            context.services, appointment_id=appointment_id, staff_user_id=user_id_of(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return None


def button(
    callback: Callable[[Update, BotContext], Awaitable[Any]],
) -> Callable[[Update, BotContext], Coroutine[Any, Any, Any]]:
    """Answer a staff button whose appointment is gone or cannot take the action."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: BotContext) -> Any:
        try:
            return await callback(update, context)
        except NotFound:
            await query_of(update).answer(_("Този час вече не съществува."), show_alert=True)
        except InvalidTransition:
            await query_of(update).answer(
                _("Това действие не е възможно за този час."), show_alert=True
            )
        return ConversationHandler.END

    return guarded


async def stale(update: Update, context: BotContext) -> None:
    """A staff button this version does not know: say so."""
    try:
        staff_service.check(context.services.db, user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    await query_of(update).answer(_("Този бутон вече не е активен."))
