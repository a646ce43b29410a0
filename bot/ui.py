"""Shared Telegram pieces: the main menu, its labels in every language, reply helpers."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import filters

from bot.i18n import N_, SUPPORTED_LANGUAGES, _, catalog, current_language

log = logging.getLogger(__name__)

# New messages in a private chat: not edits, not channel posts (those get deliberate silence).
PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

# Main menu: key -> label msgid. Reply-keyboard buttons arrive as text, so each label is
# recognised in every supported language (see `menu_filter`).
MENU_LABELS: dict[str, str] = {
    "about": N_("ℹ️ За центъра"),
    "services": N_("📋 Услуги"),
    "book": N_("📅 Запазете час"),
    "referral": N_("📄 Направление от ДСП"),
    "my": N_("🗓 Моите часове"),
    "ask": N_("💬 Въпрос към специалист"),
    "contacts": N_("☎️ Контакти"),
    "emergency": N_("🆘 Спешна помощ"),
    "language": N_("🌐 Език / Language"),
}
MENU_LAYOUT: tuple[tuple[str, ...], ...] = (
    ("book", "my"),
    ("ask",),
    ("about", "services"),
    ("referral", "contacts"),
    ("emergency", "language"),
)


def _label_variants(key: str) -> set[str]:
    msgid = MENU_LABELS[key]
    variants = {msgid}
    for code in SUPPORTED_LANGUAGES:
        variants.add(catalog(code).gettext(msgid))
    return variants


# Every label in every language, worked out once: menu texts are most of what parents send.
_KEY_BY_TEXT: dict[str, str] = {text: key for key in MENU_LABELS for text in _label_variants(key)}
ANY_MENU_BUTTON_TEXTS: frozenset[str] = frozenset(_KEY_BY_TEXT)


def menu_filter(*keys: str) -> filters.BaseFilter:
    """Matches the text of the given main-menu buttons (all of them when no key is given)."""
    wanted = set(keys) or set(MENU_LABELS)
    return filters.Text(sorted(t for t, key in _KEY_BY_TEXT.items() if key in wanted))


ANY_MENU_BUTTON = menu_filter()


# Keyboards and link-preview options are built once and shared (PTB's objects are frozen,
# so sharing is safe): the main menu goes with most answers, and most views have fixed buttons.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# What Telegram may turn into a link preview: an address with a scheme, www., t.me or a
# bare domain (an e-mail address matches too: harmless).
_LINK = re.compile(r"https?://|www\.|t\.me/|\b[\w-]+\.(?:bg|com|org|net|eu|info)\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def _preview_options(text: str) -> LinkPreviewOptions | None:
    """Previews off where the text holds something Telegram could preview; else nothing to send.

    The views are the same few dozen texts, so each is looked at once.
    """
    return _NO_PREVIEW if _LINK.search(text) else None


@lru_cache(maxsize=len(SUPPORTED_LANGUAGES) + 1)
def _main_menu(language: str) -> ReplyKeyboardMarkup:
    """The main menu of one language."""
    rows = [[KeyboardButton(_(MENU_LABELS[key])) for key in row] for row in MENU_LAYOUT]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def main_menu() -> ReplyKeyboardMarkup:
    return _main_menu(current_language())


# Most views have fixed buttons (their labels already in the parent's language): each
# distinct keyboard is built once. Day and time pickers come and go through the LRU.
@lru_cache(maxsize=512)
def _inline(rows: tuple[tuple[tuple[str, str], ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows]
    )


def inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data)."""
    return _inline(tuple(tuple((text, data) for text, data in row) for row in rows))


def menu_button() -> tuple[str, str]:
    """The "back to menu" inline button every sub-view carries."""
    return (_("🏠 Меню"), "menu:show")


def ask_button() -> tuple[str, str]:
    """ "💬 Въпрос към специалист" as an inline button (offered where the bot cannot answer)."""
    return (_(MENU_LABELS["ask"]), "ask:start")


def require_message(update: Update) -> Message:
    """The message to answer: the user's message, or the one a pressed button sits on."""
    if update.effective_message is None:
        raise LookupError("update has no message to answer")
    return update.effective_message


def back_row(back_data: str) -> list[tuple[str, str]]:
    """The "Назад" and "🏠 Меню" pair every sub-view ends with."""
    return [(_("⬅️ Назад"), back_data), menu_button()]


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; an expired query must not stop the reply itself."""
    try:
        await query.answer(text)
    except BadRequest:
        log.info("callback query %s could not be answered (too old)", query.id)


# Each keyboard's Bot API JSON, worked out once per keyboard object (the views' keyboards
# are built once, above): PTB would turn the keyboard into dicts on every send. It goes to
# PTB as `api_kwargs`, PTB's documented way to hand a Bot API parameter over as it is
# (`reply_markup` is "a JSON-serialized object"). Keyed by identity, checked on reading.
_MARKUP_JSON: dict[int, tuple[InlineKeyboardMarkup, str]] = {}


def markup_kwargs(markup: InlineKeyboardMarkup | None) -> dict[str, str] | None:
    """`api_kwargs` that send `markup` as the JSON worked out the first time it was sent."""
    if markup is None:
        return None
    found = _MARKUP_JSON.get(id(markup))
    if found is None or found[0] is not markup:
        if len(_MARKUP_JSON) >= 2048:
            _MARKUP_JSON.clear()
        found = _MARKUP_JSON[id(markup)] = (markup, markup.to_json())
    return {"reply_markup": found[1]}


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message in place when a button was pressed, else send a new one."""
    query = update.callback_query
    if query is not None:
        await answer_query(query)
        message = query.message
        if isinstance(message, Message) and message.text is not None:
            try:
                await message.edit_text(
                    text,
                    link_preview_options=_preview_options(text),
                    api_kwargs=markup_kwargs(markup),
                )
                return
            except BadRequest as exc:
                # The same view pressed twice: Telegram refuses an identical edit. Nothing to do.
                if "not modified" in str(exc).lower():
                    return
                # Too old or deleted: fall through and send the view as a new message.
                log.info("could not edit message %s: %s", message.message_id, type(exc).__name__)
    chat = update.effective_chat
    if chat is None:
        raise LookupError("update has no chat to answer")
    await update.get_bot().send_message(
        chat.id,
        text,
        link_preview_options=_preview_options(text),
        api_kwargs=markup_kwargs(markup),
    )


async def stale_button(update: Update, context: object = None) -> None:
    """A button from an old message, or forged data: say so and offer the menu."""
    query = update.callback_query
    if query is not None:
        await answer_query(query, _("Този бутон вече не е активен."))
    chat = update.effective_chat
    if chat is None or chat.type != chat.PRIVATE:  # groups: the short notice is enough
        return
    await update.get_bot().send_message(
        chat.id,
        _("Този бутон е от по-старо съобщение. Ето менюто отново."),
        reply_markup=main_menu(),
    )
