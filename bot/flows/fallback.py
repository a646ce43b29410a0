"""Free text outside a conversation (FAQ), unknown input, stale buttons: never silence.

Registered last in the main group, so it only sees what no conversation or view took.
Edited messages and channel posts get a deliberate silence: answering an edit would
repeat an answer the person already has, and channels are not people.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.answers import faq_answer, not_understood_text, opening_hours
from bot.context import BotContext
from bot.i18n import N_, _
from bot.ui import (
    MENU_LABELS,
    PRIVATE_MESSAGE,
    ask_button,
    inline,
    main_menu,
    menu_button,
    require_message,
    stale_button,
)

log = logging.getLogger(__name__)

MAX_READ = 1000  # a 4096-character message is read only this far for the FAQ

# An FAQ answer may carry one action button that leads on from it.
_ACTIONS: dict[str, tuple[str, str]] = {
    "referral": (N_("📄 Направление от ДСП"), "ref:start"),
    "booking": (N_("📅 Запазете час"), "book:start"),
    "who": (N_("👥 С кого работим"), "info:groups:1"),
}


def _markup(key: str) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    action = _ACTIONS.get(key)
    if action is None:
        return main_menu()
    return inline([[(_(action[0]), action[1])], [ask_button()], [menu_button()]])


async def free_text(update: Update, context: BotContext) -> None:
    """Answer a known question from the FAQ, else say so kindly and show the menu."""
    services = context.services
    message = require_message(update)
    text = message.text or ""
    key = services.faq.best(text[:MAX_READ])
    log.info("free text on update %s: faq=%s", update.update_id, key or "-")
    if key is None:
        # The menu below holds "💬 Въпрос към специалист"; the text points to it.
        offer = _("Можете да попитате и специалист: „{label}“.").format(
            label=_(MENU_LABELS["ask"])
        )
        text = not_understood_text(services.content) + "\n" + offer
        await message.reply_text(text, reply_markup=main_menu())
        return
    hours = opening_hours(services.db) if key in ("hours", "contacts") else None
    await message.reply_text(faq_answer(key, services.content, hours), reply_markup=_markup(key))


async def other_message(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice, unknown commands…: say what the bot can read."""
    await require_message(update).reply_text(
        not_understood_text(context.services.content), reply_markup=main_menu()
    )


async def stale(update: Update, context: BotContext) -> None:
    """A button from an old message, or forged data: explain and offer the menu."""
    log.info("stale or unknown button on update %s", update.update_id)
    await stale_button(update, context)


async def silence(update: Update, context: BotContext) -> None:
    """Edited messages and channel posts: deliberately no answer."""


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        MessageHandler(PRIVATE_MESSAGE & filters.TEXT & ~filters.COMMAND, free_text),
        MessageHandler(PRIVATE_MESSAGE & ~filters.StatusUpdate.ALL, other_message),
        MessageHandler(filters.UpdateType.EDITED | filters.UpdateType.CHANNEL_POSTS, silence),
        CallbackQueryHandler(stale),
    ]
