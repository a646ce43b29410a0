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

from telegram import Chat, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from admin.telegram.handlers import INPUT_KEY as STAFF_INPUT_KEY
from bot.answers import crisis_for, crisis_text, faq_answer, topic_answer
from bot.context import BotContext
from bot.flows.common import asking, facts_for, question_of_reply
from bot.text import Reading, Understanding
from bot.ui import ANY_MENU_BUTTON_TEXTS, inline, main_menu, menu_button, menu_filter

__all__ = ["crisis_text", "handlers"]

# Not worth a word after the numbers ("здравейте, бие ме").
SMALL_TALK = frozenset({"greeting", "thanks", "question"})

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
    # Anyone may press it: every number, the line for violence at home included.
    text = crisis_text(context.services.content, ("danger",), home=True)
    await message.reply_text(text, reply_markup=main_menu())
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
    elif asked := [k for k in reading.intents if k not in SMALL_TALK]:
        # "детето ми избяга, трябва ли направление": that is answered too.
        answer = faq_answer(asked[0], content, facts_for(context.services, (asked[0],)))
        text += "\n\n" + answer.text
        buttons = answer.buttons
    private = message.chat.type == Chat.PRIVATE
    if buttons and private:
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = inline(
            [[b] for b in buttons[:2]] + [[menu_button()]]
        )
    else:
        markup = main_menu() if private else None
    await message.reply_text(text, reply_markup=markup)
    staff_typing = bool(context.user_data and context.user_data.get(STAFF_INPUT_KEY))
    if staff_typing and update.message is not None:
        # A staff member typing a reason or a note about a case: the numbers are given,
        # and the staff conversation still takes the text.
        return
    if _goes_to_staff(update, context):
        return  # the numbers first; the question still reaches staff (🆘) or the parent
    raise ApplicationHandlerStop


def _goes_to_staff(update: Update, context: BotContext) -> bool:
    """A question being written, or a reply to one of a question's messages (the parent's
    reply to an answer, a staff member's answer to a card): it must still be delivered."""
    message = update.message
    if message is None or (message.text or "") in ANY_MENU_BUTTON_TEXTS:
        return False
    if message.chat.type == Chat.PRIVATE and asking(context) is not None:
        return True
    return question_of_reply(context.services.db, update) is not None


def handlers(understanding: Understanding) -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        MessageHandler(filters.ChatType.PRIVATE & menu_filter("emergency"), emergency),
        MessageHandler(_CrisisWords(understanding), crisis),
    ]
