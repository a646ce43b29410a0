"""Crisis help: the numbers first, in any state, for anyone, before anything else.

Registered in group -5 (before every conversation). For a parent the answer stops the
update there, so a conversation in progress keeps its state and the parent can carry on
afterwards. A staff member typing a reason or a note gets the numbers too, and the typed
text still goes on to the staff conversation (it describes a case and must be recorded).
Messages are read by `bot.text.Understanding` (by meaning, in both scripts); a message
that also asks something gets its answer after the numbers ("Ако питате за услугите ни…").
"""

from __future__ import annotations

import logging

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from admin.telegram.handlers import INPUT_KEY as STAFF_INPUT_KEY
from bot.answers import crisis_for, crisis_text, faq_answer, topic_answer
from bot.context import BotContext
from bot.text import Reading, Understanding
from bot.ui import ANY_MENU_BUTTON_TEXTS, inline, main_menu, menu_button, menu_filter

__all__ = ["crisis_text", "handlers"]

log = logging.getLogger(__name__)



def _text_of(update: Update) -> str | None:
    message = update.message or update.edited_message
    if message is None or message.chat.type == Chat.CHANNEL:
        return None
    return message.text or message.caption


class _CrisisWords(filters.UpdateFilter):
    """A crisis in a new or edited message, text or caption, in any chat but a channel.

    Edits too: a crisis added by an edit still deserves the numbers. One filter instead of
    four and-ed ones: it runs on every update. What it read is handed to the handler.
    """

    def __init__(self, understanding: Understanding) -> None:
        super().__init__(name="crisis", data_filter=True)
        self._understanding = understanding

    def filter(self, update: Update) -> dict[str, list[Reading]] | None:  # type: ignore[override]
        text = _text_of(update)
        # Most texts are the menu's own buttons: they hold no crisis word (🆘 has its own
        # handler above), so they skip the reading.
        if not text or text in ANY_MENU_BUTTON_TEXTS or text.startswith("/"):
            return None  # commands ("/help") are no cry for help
        reading = self._understanding.read(text)
        return {"readings": [reading]} if reading.is_crisis else None


async def emergency(update: Update, context: BotContext) -> None:
    """The 🆘 button: the numbers at once; the current conversation stays where it was."""
    message = update.effective_message
    if message is None:
        return
    await message.reply_text(crisis_text(context.services.content), reply_markup=main_menu())
    raise ApplicationHandlerStop


async def crisis(update: Update, context: BotContext) -> None:
    """Answer with the category's numbers at once, then what was asked, if anything."""
    message = update.effective_message
    if message is None:
        return
    content = context.services.content
    readings = getattr(context, "readings", None) or []
    reading = readings[0] if readings else Reading(crisis=("danger",))
    log.info("crisis answer (%s) to update %s", ",".join(reading.crisis), update.update_id)
    text = crisis_for(content, reading)
    buttons: list[tuple[str, str]] = []
    more = topic_answer(content, reading)
    if more is not None:
        text += "\n\n" + more.text
        buttons = more.buttons
    elif reading.intents:  # "детето ми избяга, трябва ли направление": answer that too
        answer = faq_answer(reading.intents[0], content)
        text += "\n\n" + answer.text
        buttons = answer.buttons
    private = message.chat.type == Chat.PRIVATE
    if buttons and private:
        markup = inline([[b] for b in buttons[:2]] + [[menu_button()]])
    else:
        markup = main_menu() if private else None
    await message.reply_text(text, reply_markup=markup)
    staff_typing = bool(context.user_data and context.user_data.get(STAFF_INPUT_KEY))
    if staff_typing and update.message is not None:
        # A staff member typing a reason or a note about a case: the numbers are given,
        # and the staff conversation still takes the text.
        return
    raise ApplicationHandlerStop


def handlers(understanding: Understanding) -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        MessageHandler(filters.ChatType.PRIVATE & menu_filter("emergency"), emergency),
        MessageHandler(_CrisisWords(understanding), crisis),
    ]
