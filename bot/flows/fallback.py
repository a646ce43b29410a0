"""Free text outside a conversation (FAQ), unknown input, stale buttons: never silence.

Registered last in the main group, so it only sees what no conversation or view took.
Edited messages and channel posts get a deliberate silence: answering an edit would
repeat an answer the person already has, and channels are not people.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.answers import (
    INTENTS,
    Answer,
    choice_buttons,
    choices_text,
    compose,
    faq_answer,
    not_understood_text,
    numbers_line,
)
from bot.context import BotContext
from bot.flows.common import facts_for
from bot.i18n import _
from bot.services import Services
from bot.ui import (
    MENU_LABELS,
    PRIVATE_MESSAGE,
    answer_query,
    ask_button,
    inline,
    main_menu,
    menu_button,
    require_message,
    stale_button,
)

log = logging.getLogger(__name__)


def _markup(answer: Answer) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    if not answer.buttons:
        return main_menu()
    # Where the answer may not be enough: "💬 Въпрос към специалист" (bot/flows/ask.py).
    return inline([[b] for b in answer.buttons] + [[ask_button()], [menu_button()]])


def answer_for(services: Services, text: str) -> Answer:
    """What the bot says to free text outside a conversation (no crisis in it)."""
    reading = services.understanding.read(text)
    if reading.choices:
        answer = Answer(choices_text(), choice_buttons(reading.choices))
    elif reading.intents:
        answer = compose(services.content, reading.intents, facts_for(services, reading.intents))
    else:
        # The menu below holds "💬 Въпрос към специалист"; the text points to it.
        offer = _("Можете да попитате и специалист: „{label}“.").format(
            label=_(MENU_LABELS["ask"])
        )
        return Answer(
            not_understood_text(services.content, doubt=bool(reading.doubt), offer=offer)
        )
    if reading.doubt:  # a crisis-looking word, most likely in its everyday sense
        return Answer(answer.text + "\n\n" + numbers_line(services.content), answer.buttons)
    return answer


async def free_text(update: Update, context: BotContext) -> None:
    """Answer what was asked (one answer per question), ask back on a tie, else say so."""
    services = context.services
    message = require_message(update)
    answer = answer_for(services, message.text or "")
    log.info("free text on update %s: %d button(s)", update.update_id, len(answer.buttons))
    await message.reply_text(answer.text, reply_markup=_markup(answer))


async def chosen(update: Update, context: BotContext) -> None:
    """The parent picked what was meant from the bot's question: answer it."""
    query = update.callback_query
    assert query is not None and context.match is not None
    key = context.match.group(1)
    if key not in INTENTS:
        await stale_button(update, context)
        return
    await answer_query(query)
    services = context.services
    answer = faq_answer(key, services.content, facts_for(services, (key,)))
    await require_message(update).reply_text(answer.text, reply_markup=_markup(answer))


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
        CallbackQueryHandler(chosen, pattern=r"^faq:(\w{1,20})$"),
        CallbackQueryHandler(stale),
    ]
