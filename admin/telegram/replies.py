"""Reading a staff update and answering it: shared by every staff feature module.

Exists so the feature modules stay thin: parse the tapped button's callback data, reply in
the chat, swap a message's buttons, show the opened appointment after an action and say
"someone else was first". Owns no callback prefix. (Messages to parents and card edits are
outbox rows written by the services: `admin.notices`.)
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, MessageEntity, Update, User
from telegram.error import BadRequest

from admin import appointments
from admin import staff as staff_service
from admin.appointments import AppointmentView
from admin.telegram import cards
from admin.texts import short_stamp, status_name
from bot.context import BotContext
from bot.i18n import _
from bot.services import Services
from bot.ui import require_message
from storage.errors import AlreadyHandled, NotFound

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
    """After an action: edit the opened appointment if that was tapped.

    The cards themselves are edited through the outbox (rows written with the action), in
    order with the parent's message, so a later "Родителят е уведомен" is never overwritten.
    """
    services = context.services
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


def mention_prompt(user: User, prompt: str) -> tuple[str, list[MessageEntity]]:
    """ "Ива, напишете…" with the name a mention: a selective ForceReply reaches only her."""
    name = user.first_name
    text = _("{name}, {prompt}").format(name=name, prompt=prompt)
    offset = _utf16_len(text[: text.index(name)])
    return text, [MessageEntity(MessageEntity.TEXT_MENTION, offset, _utf16_len(name), user=user)]


def _utf16_len(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2
