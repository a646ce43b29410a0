"""Crisis help: the numbers first, in any state, before anything else.

Registered in group -5 (before every conversation): the answer stops the update there,
so a conversation in progress keeps its state and the parent can carry on afterwards.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from telegram import Chat, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from admin.telegram.handlers import INPUT_KEY as STAFF_INPUT_KEY
from bot.answers import crisis_text
from bot.centre import Content
from bot.context import BotContext
from bot.steps import expired
from bot.text import PhraseIndex
from bot.ui import ANY_MENU_BUTTON_TEXTS, main_menu, menu_filter, require_message

__all__ = ["crisis_text", "handlers"]

log = logging.getLogger(__name__)

# Short texts come back again and again ("/start", "здравейте"): each is read once.
_REMEMBERED_TEXT_LENGTH = 64


class _CrisisWords(filters.UpdateFilter):
    """A crisis word in a new or edited message, text or caption, in a private chat.

    Private chats only (the staff group may discuss a case); edits too: a crisis word
    added by an edit still deserves the numbers. One filter instead of four and-ed ones:
    it runs on every update.
    """

    def __init__(self, words: list[str]) -> None:
        super().__init__(name="crisis")
        self._index = PhraseIndex(words)
        self._remembered = lru_cache(maxsize=2048)(self._index.found_in_text)

    def filter(self, update: Update) -> bool:
        message = update.message or update.edited_message
        if message is None or message.chat.type != Chat.PRIVATE:
            return False
        text = message.text or message.caption
        # Most texts are the menu's own buttons: they hold no crisis word (🆘 has its own
        # handler above), so they skip the reading.
        if not text or text in ANY_MENU_BUTTON_TEXTS:
            return False
        if len(text) <= _REMEMBERED_TEXT_LENGTH:
            return self._remembered(text)
        return self._index.found_in_text(text)


async def crisis(update: Update, context: BotContext) -> None:
    """Answer with 112 and 116 111 at once; the current conversation stays where it was."""
    step = context.user_data.get(STAFF_INPUT_KEY) if context.user_data else None
    if step and not expired(step, context.services.now()) and update.message:
        # A staff member typing a reason or a note about a case (private chat when there
        # is no staff group): the words describe the case; the staff conversation takes it.
        return
    log.info("crisis answer to update %s", update.update_id)
    await require_message(update).reply_text(
        crisis_text(context.services.content), reply_markup=main_menu()
    )
    raise ApplicationHandlerStop


def handlers(content: Content) -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        MessageHandler(filters.ChatType.PRIVATE & menu_filter("emergency"), crisis),
        MessageHandler(_CrisisWords(list(content.crisis.words)), crisis),
    ]
