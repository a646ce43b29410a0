"""Free text outside a conversation (FAQ), unknown input, stale buttons: never silence."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import _
from bot.services import Services
from bot.text import best_match
from bot.ui import main_menu, require_message

log = logging.getLogger(__name__)


def contacts_text(services: Services) -> str:
    contacts = services.content.contacts
    lines = [
        _(services.content.centre.name),
        _("Адрес: {address}").format(address=_(contacts.address)),
    ]
    for phone in contacts.phones:
        lines.append(f"☎️ {_(phone.label)}: {phone.display}")
    if contacts.email:
        lines.append(f"✉️ {contacts.email}")
    return "\n".join(lines)


def faq_answer(key: str, services: Services) -> str:
    """The short answer for one FAQ topic; facts come from the content file."""
    content = services.content
    phone = content.contacts.main_phone.display
    if key == "contacts":
        return contacts_text(services)
    if key == "hours":
        return _("Работното време ще Ви каже специалист на {phone}.").format(phone=phone)
    if key == "price":
        if content.centre.services_free:
            return _("Услугите в центъра са безплатни.")
        return _("За цената попитайте на {phone}.").format(phone=phone)
    if key == "referral":
        return _(
            "За консултация не е нужно направление. За специализираните услуги е нужно "
            "направление или предварителна оценка от Дирекция „Социално подпомагане“ (ДСП). "
            "Вижте „📄 Направление от ДСП“ в менюто."
        )
    if key == "who":
        return _(
            "Центърът работи с деца до 18 години (или до завършване на средно образование, "
            "но не по-късно от 20 години) и техните семейства. Вижте „📋 Услуги“ в менюто."
        )
    if key == "documents":
        if content.referral.documents:
            return _(content.referral.documents)
        return _("Какво да носите, ще Ви каже специалист на {phone}.").format(phone=phone)
    if key == "booking":
        return _("Можете да запазите час за консултация с бутона „📅 Запазете час“ в менюто.")
    return not_understood_text(services)


def not_understood_text(services: Services) -> str:
    return _(
        "Не успях да разбера съобщението. Изберете от менюто или се обадете на {phone}."
    ).format(phone=services.content.contacts.main_phone.display)


async def free_text(update: Update, context: BotContext) -> None:
    """Answer a known question from the FAQ, else say so kindly and show the menu."""
    services = context.services
    message = require_message(update)
    text = (message.text or "")[:1000]
    key = best_match(text, [(f.answer, f.keywords) for f in services.content.faq])
    answer = faq_answer(key, services) if key else not_understood_text(services)
    await message.reply_text(answer, reply_markup=main_menu())


async def other_message(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice, emoji-only…: say what the bot can read."""
    await require_message(update).reply_text(
        not_understood_text(context.services), reply_markup=main_menu()
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, or forged data: explain and offer the menu."""
    query = update.callback_query
    assert query is not None
    await query.answer(_("Този бутон вече не е активен."), show_alert=False)
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id,
            _("Този бутон е от по-старо съобщение. Ето менюто отново."),
            reply_markup=main_menu(),
        )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.TEXT & ~filters.COMMAND, free_text),
        MessageHandler(private & filters.COMMAND, other_message),
        MessageHandler(private & ~filters.StatusUpdate.ALL, other_message),
        CallbackQueryHandler(stale_button),
    ]
