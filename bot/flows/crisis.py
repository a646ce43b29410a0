"""Crisis help: the numbers first, in any state, before anything else."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from bot.centre import Content
from bot.context import BotContext
from bot.i18n import _
from bot.text import is_crisis
from bot.ui import main_menu, menu_filter, require_message


def crisis_text(content: Content) -> str:
    lines = content.help_lines
    phone = content.contacts.main_phone
    text = _(
        "🆘 Ако има опасност за живот или здраве, обадете се веднага на {emergency}.\n"
        "☎️ {children} — {children_name}: безплатно, денонощно и анонимно за деца.\n"
    ).format(
        emergency=lines.emergency, children=lines.children, children_name=_(lines.children_name)
    )
    if lines.domestic_violence and lines.domestic_violence_name:
        text += _("☎️ {number} — {name}.\n").format(
            number=lines.domestic_violence, name=_(lines.domestic_violence_name)
        )
    text += _("\nНе сте сами. Специалистите на центъра също могат да помогнат: {phone}.").format(
        phone=phone.display
    )
    return text


class _CrisisFilter(filters.MessageFilter):
    def __init__(self, words: list[str]) -> None:
        super().__init__(name="crisis")
        self._words = words

    def filter(self, message: object) -> bool:
        text = getattr(message, "text", None) or getattr(message, "caption", None)
        return bool(text) and is_crisis(text, self._words)


async def crisis(update: Update, context: BotContext) -> None:
    """Answer with 112 and 116 111 at once; the current conversation stays where it was."""
    await require_message(update).reply_text(
        crisis_text(context.services.content), reply_markup=main_menu()
    )
    raise ApplicationHandlerStop


def handlers(content: Content) -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        MessageHandler(menu_filter("emergency"), crisis),
        MessageHandler(
            (filters.TEXT | filters.CAPTION) & _CrisisFilter(list(content.crisis.words)), crisis
        ),
    ]
