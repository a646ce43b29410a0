"""Tell the staff chat about bookings and parents' actions; keep the cards up to date.

Called by parents' flows after the storage service committed; failures here must
never undo or hide the parent's booking, so they are logged (ids only) and swallowed.
"""

from __future__ import annotations

import logging

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest, TelegramError

from admin import staff as staff_service
from admin.appointments import AppointmentView, load
from admin.telegram.cards import card_markup, card_text
from admin.texts import compact_when
from bot.background import durable_write
from bot.i18n import N_, _, language
from bot.services import Services

log = logging.getLogger(__name__)

# Staff always read cards in Bulgarian (one card in a shared group).
STAFF_LANGUAGE = "bg"

CHANGES: dict[str, str] = {
    "cancelled": N_("❌ Родителят отмени часа: {name}, {when}"),
    "moved": N_("🔁 Родителят премести часа: {name}, нов час {when}"),
    "coming": N_("👍 {name} ще дойде: {when}"),
    "cant_come": N_("❌ {name} не може да дойде ({when}); часът е отменен."),
    "unreachable": N_("⚠️ Ботът не може да пише на {name} ({when}): напомнянето не е доставено."),
    "reminder_failed": N_("⚠️ Напомнянето до {name} ({when}) не беше изпратено. Обадете се."),
    "accepted_proposal": N_("✅ {name} прие предложения час: {when}"),
    "refused_proposal": N_("↩️ {name} не прие предложения час; заявката е за {when}."),
    "slot_taken": N_("⚠️ {name} прие предложения час, но той вече не е свободен. Предложете друг."),
    "forgotten": N_("🗑 Родител изтри данните си; часът {when} е отменен."),
}


async def post_card(bot: Bot, services: Services, view: AppointmentView, chat_id: int) -> None:
    """Send one card and remember where it is, so later changes edit it in place."""
    with language(STAFF_LANGUAGE):
        text = card_text(view, services.content, services.settings.tz)
        markup = card_markup(view)
    message = await bot.send_message(chat_id, text, reply_markup=markup)
    await durable_write(
        services.db,
        staff_service.record_card,
        services.db,
        appointment_id=view.id,
        chat_id=chat_id,
        message_id=message.message_id,
    )


async def announce_new_booking(bot: Bot, services: Services, appointment_id: int) -> None:
    """Post the new booking's card with Потвърди · Откажи · Друг час."""
    try:
        view = load(services, appointment_id)
        chats = staff_service.announce_chats(services.db, services.settings.staff_chat_id)
    except Exception as exc:  # the parent's booking stands whatever happens here
        log.error(
            "staff card for appointment %s not built: %s", appointment_id, type(exc).__name__
        )
        return
    if not chats:
        log.warning("no staff chat and no staff members: appointment %s not announced", view.id)
    for chat_id in chats:
        try:
            await post_card(bot, services, view, chat_id)
        except Exception as exc:
            log.warning(
                "staff card for appointment %s not posted: %s", appointment_id, type(exc).__name__
            )


async def refresh_cards(
    bot: Bot, services: Services, appointment_id: int, view: AppointmentView | None = None
) -> None:
    """Edit every posted card of the appointment to show its current state."""
    try:
        view = view or load(services, appointment_id)
        cards = staff_service.cards_of(services.db, appointment_id)
    except Exception as exc:
        log.error("cards of appointment %s not loaded: %s", appointment_id, type(exc).__name__)
        return
    with language(STAFF_LANGUAGE):
        text = card_text(view, services.content, services.settings.tz)
        markup = card_markup(view)
    for chat_id, message_id in cards:
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("card of appointment %s not edited: BadRequest", appointment_id)
        except TelegramError as exc:
            log.warning(
                "card of appointment %s not edited: %s", appointment_id, type(exc).__name__
            )


def change_line(view: AppointmentView, change: str, services: Services) -> str:
    template = CHANGES.get(change, N_("ℹ️ Промяна по час №{id}: {when}"))
    return _(template).format(
        name=view.parent_name or _("родител"),
        when=compact_when(view.start, services.settings.tz),
        id=view.id,
    )


async def tell_staff(bot: Bot, services: Services, view: AppointmentView, change: str) -> None:
    """One short line to the staff chat(s), as a reply to the card there when there is one."""
    chats = staff_service.announce_chats(services.db, services.settings.staff_chat_id)
    cards = dict(staff_service.cards_of(services.db, view.id))
    with language(STAFF_LANGUAGE):
        text = change_line(view, change, services)
    for chat_id in chats:
        reply = (
            ReplyParameters(message_id=cards[chat_id], allow_sending_without_reply=True)
            if chat_id in cards
            else None
        )
        try:
            await bot.send_message(chat_id, text, reply_parameters=reply)
        except TelegramError as exc:
            log.warning("staff line for appointment %s not sent: %s", view.id, type(exc).__name__)


async def announce_parent_change(
    bot: Bot, services: Services, appointment_id: int, change: str
) -> None:
    """Tell staff that a parent cancelled, moved, or answered a reminder; update the cards.

    `change` is one of: "cancelled", "moved", "coming", "cant_come", "unreachable",
    "reminder_failed", "accepted_proposal", "refused_proposal", "slot_taken", "forgotten".
    """
    try:
        view = load(services, appointment_id)
        await tell_staff(bot, services, view, change)
        await refresh_cards(bot, services, appointment_id, view)
    except Exception as exc:  # never break the parent's flow
        log.error(
            "staff not told about appointment %s (%s): %s",
            appointment_id,
            change,
            type(exc).__name__,
        )
