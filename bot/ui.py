"""Shared Telegram pieces: the main menu, its labels in every language, reply helpers."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import filters

from bot.i18n import N_, SUPPORTED_LANGUAGES, _, catalog

# Main menu: key -> label msgid. Reply-keyboard buttons arrive as text, so each label is
# recognised in every supported language (see `menu_filter`).
MENU_LABELS: dict[str, str] = {
    "about": N_("ℹ️ За центъра"),
    "services": N_("📋 Услуги"),
    "book": N_("📅 Запазете час"),
    "referral": N_("📄 Направление от ДСП"),
    "my": N_("🗓 Моите часове"),
    "contacts": N_("☎️ Контакти"),
    "emergency": N_("🆘 Спешна помощ"),
}
MENU_LAYOUT: tuple[tuple[str, ...], ...] = (
    ("book", "my"),
    ("about", "services"),
    ("referral", "contacts"),
    ("emergency",),
)


def _label_variants(key: str) -> set[str]:
    msgid = MENU_LABELS[key]
    variants = {msgid}
    for code in SUPPORTED_LANGUAGES:
        variants.add(catalog(code).gettext(msgid))
    return variants


def menu_key(text: str | None) -> str | None:
    """Which main-menu button this text is, in any language; None if it is not one."""
    if not text:
        return None
    cleaned = text.strip()
    for key in MENU_LABELS:
        if cleaned in _label_variants(key):
            return key
    return None


def menu_filter(*keys: str) -> filters.BaseFilter:
    """Matches the text of the given main-menu buttons (all of them when no key is given)."""
    wanted = set(keys) or set(MENU_LABELS)
    texts: set[str] = set()
    for key in wanted:
        texts |= _label_variants(key)
    return filters.Text(sorted(texts))


ANY_MENU_BUTTON = menu_filter()


def main_menu() -> ReplyKeyboardMarkup:
    rows = [[KeyboardButton(_(MENU_LABELS[key])) for key in row] for row in MENU_LAYOUT]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, is_persistent=True)


def inline(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Inline keyboard from rows of (label, callback_data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


def menu_button() -> tuple[str, str]:
    """The "back to menu" inline button every sub-view carries."""
    return (_("🏠 Меню"), "menu:show")


def require_message(update: Update) -> Message:
    """The message to answer: the user's message, or the one a pressed button sits on."""
    if update.effective_message is None:
        raise LookupError("update has no message to answer")
    return update.effective_message


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the message in place when a button was pressed, else send a new one."""
    query = update.callback_query
    if query is not None and query.message is not None and query.message.is_accessible:
        await query.answer()
        message = query.message
        assert isinstance(message, Message)
        if message.text is not None:
            await message.edit_text(text, reply_markup=markup, disable_web_page_preview=True)
            return
    message = require_message(update)
    await message.reply_text(text, reply_markup=markup, disable_web_page_preview=True)
