"""The language a parent reads: /language and the "🌐" menu entry, each language in itself.

The choice is kept on the parent row (`storage.parents.choose_language`) and in the
process's `LanguageMemory`, so every later update, reminder and staff answer uses it.
Callback data: `lang:set:<code>`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler

from bot.context import BotContext
from bot.i18n import LANGUAGE_AUTONYMS, SUPPORTED_LANGUAGES, _, set_language
from bot.ui import PRIVATE_MESSAGE, answer_query, inline, main_menu, menu_filter, show
from storage import parents

PREFIX = "lang:set:"

# One line in all six languages, for a parent whose Telegram language we do not speak: it is
# the same in every catalog, so it is no gettext message. Arabic and Dari sit in isolates.
CHOOSE_IN_EVERY_LANGUAGE = (
    "🌐 Изберете език · Choose a language · Оберіть мову · "
    "\u2067اختر اللغة\u2069 · \u2067زبان را انتخاب کنید\u2069 · Dil seçin: /language"
)


def offers_choice(telegram_code: str | None, stored: str | None) -> bool:
    """Whether the greeting adds the six-language line: Telegram's language is not ours."""
    if stored is not None:
        return False
    base = (telegram_code or "").split("-")[0].split("_")[0].lower()
    return base not in SUPPORTED_LANGUAGES


def picker() -> tuple[str, list[list[tuple[str, str]]]]:
    """The question (with its line in all languages) and one button per language."""
    codes = list(SUPPORTED_LANGUAGES)
    rows = [
        [(LANGUAGE_AUTONYMS[code], PREFIX + code) for code in codes[i : i + 2]]
        for i in range(0, len(codes), 2)
    ]
    return CHOOSE_IN_EVERY_LANGUAGE.removesuffix(": /language"), rows


async def ask(update: Update, context: BotContext) -> None:
    """Show the six languages, each named in itself."""
    text, rows = picker()
    await show(update, text, inline(rows))


async def choose(update: Update, context: BotContext) -> None:
    """Remember the language and answer in it, with the menu in that language."""
    query = update.callback_query
    user = update.effective_user
    chat = update.effective_chat
    if query is None or user is None or chat is None:
        return
    code = (query.data or "").removeprefix(PREFIX)
    if code not in SUPPORTED_LANGUAGES:
        await answer_query(query, _("Този бутон вече не е активен."))
        return
    services = context.services
    parents.choose_language(
        services.db,
        telegram_user_id=user.id,
        chat_id=chat.id,
        language=code,
        now=services.now(),
    )
    services.languages.remember(user.id, code)
    set_language(code)
    await show(update, "🌐 " + LANGUAGE_AUTONYMS[code])
    await context.bot.send_message(
        chat.id,
        _("Готово: ще Ви пиша на български. Изберете от менюто какво Ви интересува."),
        reply_markup=main_menu(),
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("language", ask),
        MessageHandler(PRIVATE_MESSAGE & menu_filter("language"), ask),
        CallbackQueryHandler(choose, pattern=r"^lang:set:"),
    ]
