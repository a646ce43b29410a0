"""Reading a staff update and answering it: shared by every staff feature module.

Exists so the feature modules stay thin: parse the tapped button's callback data, reply in
the chat, swap a message's buttons, refresh the staff cards after an action, say "someone
else was first", and write to the parent in their own language. Owns no callback prefix.
"""

from __future__ import annotations

import logging

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from admin import appointments
from admin import staff as staff_service
from admin.appointments import AppointmentView
from admin.ics import appointment_ics, ics_filename
from admin.telegram import cards
from admin.telegram.notify import refresh_cards
from admin.texts import short_stamp, status_name
from bot.context import BotContext
from bot.i18n import _, language
from bot.services import Services
from bot.ui import require_message
from storage.errors import AlreadyHandled, NotFound
from storage.models import AppointmentStatus as S

log = logging.getLogger(__name__)


def query_of(update: Update) -> CallbackQuery:
    """The tapped button's query (only callback handlers call this)."""
    query = update.callback_query
    assert query is not None
    return query


def callback_parts(update: Update) -> list[str]:
    """The tapped button's callback data split on ":" (`st:ok:42` → `["st", "ok", "42"]`)."""
    return (query_of(update).data or "").split(":")


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer the update's message with a new message (no link previews)."""
    await require_message(update).reply_text(
        text, reply_markup=markup, disable_web_page_preview=True
    )


async def edit_markup(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    """Swap the tapped message's buttons, keeping its text."""
    query = query_of(update)
    message = query.message
    text = message.text if message is not None and isinstance(message, Message) else None
    try:
        if text:
            await query.edit_message_text(text, reply_markup=markup, disable_web_page_preview=True)
        else:
            await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def already_text(exc: AlreadyHandled, services: Services) -> str:
    """The "already confirmed: who, when" text, when someone else acted first."""
    if exc.by and exc.at:
        return _("Вече е {status}: {who}, {when}.").format(
            status=status_name(exc.status),
            who=exc.by,
            when=short_stamp(exc.at, services.settings.tz),
        )
    return _("Вече е {status}.").format(status=status_name(exc.status))


async def show_view(update: Update, context: BotContext, view: AppointmentView) -> None:
    """After an action: edit every card, and the opened appointment if that was tapped."""
    services = context.services
    await refresh_cards(context.bot, services, view.id, view)
    query = update.callback_query
    if query is None or query.message is None:
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if staff_service.is_card(services.db, chat_id, message_id):
        return
    text = cards.card_text(view, services.content, services.settings.tz)
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=cards.detail_markup(view)
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.warning("appointment %s view not edited: BadRequest", view.id)


async def answer_already_handled(
    update: Update, context: BotContext, appointment_id: int, exc: AlreadyHandled
) -> None:
    """Someone else acted first: say who and when, and show the card as it is now."""
    await query_of(update).answer(already_text(exc, context.services), show_alert=True)
    try:
        view = appointments.load(context.services, appointment_id)
    except NotFound:
        return
    await show_view(update, context, view)


async def tell_parent(
    context: BotContext,
    view: AppointmentView,
    build: object,
    *,
    markup: InlineKeyboardMarkup | None = None,
    ics: bool = False,
) -> None:
    """Write to the parent in their language; a failure is logged (ids only), not raised."""
    await send_to_parent(context.bot, context.services, view, build, markup=markup, ics=ics)


async def send_to_parent(
    bot: Bot,
    services: Services,
    view: AppointmentView,
    build: object,
    *,
    markup: InlineKeyboardMarkup | None = None,
    ics: bool = False,
) -> None:
    """`tell_parent` without a handler's context (the web desk acts outside any update)."""
    if view.parent_chat_id is None:
        return
    tz, now = services.settings.tz, services.now()
    with language(view.parent_language):
        text = build(view, services.content, tz, now)  # type: ignore[operator]
        if markup is None and view.status in (S.declined, S.cancelled_by_staff):
            markup = cards.book_again_markup()
        caption = _("Добавете часа в календара си с този файл.")
        document = appointment_ics(view, services.content, tz) if ics else None
    try:
        await bot.send_message(
            view.parent_chat_id, text, reply_markup=markup, disable_web_page_preview=True
        )
        if document is not None:
            await bot.send_document(
                view.parent_chat_id,
                document=document,
                filename=ics_filename(services.content, view.start, tz),
                caption=caption,
            )
    except TelegramError as exc:
        log.warning("parent of appointment %s not told: %s", view.id, type(exc).__name__)
