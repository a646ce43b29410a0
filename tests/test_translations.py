"""Every catalog is complete, keeps each placeholder, has every plural form and no Bulgarian
left in it other than the proper names and official terms the translations keep on purpose.
"""

from __future__ import annotations

import re
import string
from functools import cache

import pytest
from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, SUPPORTED_LANGUAGES
from scripts.i18n import build_template

TRANSLATED = [code for code in SUPPORTED_LANGUAGES if code != "bg"]
# Bulgarian names and official terms kept on purpose (voice.md): a parent shows them at ДСП,
# to a taxi driver or on a form. Longest first, so a long name is taken out before its parts.
KEPT_BULGARIAN = sorted(
    [
        "Център за обществена подкрепа – Харманли",
        "Дирекция „Социално подпомагане“ – Харманли",
        "Дирекция „Социално подпомагане“",
        "предварителна оценка на потребностите",
        "предварителна оценка",
        "направление",
        "отдел „Закрила на детето“",
        "Комисия за защита на личните данни",
        "бул. „Проф. Цветан Лазаров“",
        "гр. Харманли, кв. „Дружба“ 7А",
        "кв. „Дружба“ 7А",
        "ЦОП Харманли",
        "Харманли",
        "София",
        "ЦОП",
        "ДСП",
        "КЗЛД",
        "АЗНОП",
        "7А",
    ],
    key=len,
    reverse=True,
)
# Letters Bulgarian has and Ukrainian does not (ъ, ѝ) or Russian has (ы, э, ё).
NOT_UKRAINIAN = re.compile(r"[ъѝыэё]", re.IGNORECASE)
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")


@cache
def _catalog(code: str) -> Catalog:
    with (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def _entries(code: str) -> list[Message]:
    return [m for m in _catalog(code) if m.id]


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple | list) else [message.string]


def _ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple | list) else [message.id]


def placeholders(text: str) -> list[str]:
    """`{name}` fields and `%(x)s` / `%s` conversions, in a comparable form."""
    parsed = string.Formatter().parse(text)
    fields = [f"{{{name}}}" for _, name, _, _ in parsed if name is not None]
    return sorted(fields + PERCENT.findall(text))


def _bulgarian_left(text: str) -> str:
    for term in KEPT_BULGARIAN:
        text = text.replace(term, "")
    return text


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_in_every_form(code: str) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in build_template() if m.id}
    known = {_ids(m)[0] for m in _entries(code)}
    assert not sorted(ids - known), "run scripts/i18n.py"
    missing = [_ids(m)[0][:60] for m in _entries(code) if m.fuzzy or not all(_forms(m))]
    assert not missing, f"{code}: {len(missing)} untranslated (scripts/missing_translations.py)"


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_follow_the_language(code: str) -> None:
    rule = get_plural(code)
    catalog = _catalog(code)
    assert catalog.num_plurals == rule.num_plurals
    assert catalog.plural_expr == rule.plural_expr
    plural_entries = [m for m in _entries(code) if m.pluralizable]
    assert plural_entries, "the code has plural messages"
    for message in plural_entries:
        assert len(_forms(message)) == rule.num_plurals, message.id
    if code == "ar":
        assert rule.num_plurals == 6


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_are_kept_exactly(code: str) -> None:
    wrong = []
    for message in _entries(code):
        wanted = placeholders(_ids(message)[-1])
        for form in _forms(message):
            if form and placeholders(form) != wanted:
                wrong.append((_ids(message)[0][:50], form[:50]))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("code", [c for c in TRANSLATED if c != "uk"])
def test_no_bulgarian_left_outside_names_and_terms(code: str) -> None:
    left = [
        (m.string if isinstance(m.string, str) else m.string[0])[:70]
        for m in _entries(code)
        if any(CYRILLIC.search(_bulgarian_left(form)) for form in _forms(m))
    ]
    assert not left, left[:5]


def test_ukrainian_has_no_bulgarian_or_russian_letters() -> None:
    left = [
        form[:70]
        for m in _entries("uk")
        for form in _forms(m)
        if NOT_UKRAINIAN.search(_bulgarian_left(form))
    ]
    assert not left, left[:5]


@pytest.mark.parametrize("code", ["ar", "fa"])
def test_right_to_left_catalogs_are_written_in_arabic_script(code: str) -> None:
    """A text with words (not only a placeholder, emoji or command) has Arabic letters."""
    latin_only = []
    for message in _entries(code):
        for form in _forms(message):
            words = re.sub(r"\{\w*\}|/\w+|\S+@\S+|Telegram|Excel|CSV|UTF-8|Language", "", form)
            words = _bulgarian_left(words)
            if re.search(r"[A-Za-z]{3,}", words) or (
                re.search(r"\w{3,}", words) and not ARABIC_SCRIPT.search(form)
            ):
                latin_only.append(form[:60])
    assert not latin_only, latin_only[:5]


def test_language_names_are_each_in_itself() -> None:
    from bot.i18n import LANGUAGE_AUTONYMS

    assert list(LANGUAGE_AUTONYMS) == list(SUPPORTED_LANGUAGES)
    assert LANGUAGE_AUTONYMS["fa"] == "دری" and LANGUAGE_AUTONYMS["uk"] == "Українська"
    for code in SUPPORTED_LANGUAGES:
        assert Locale.parse({"fa": "fa_AF"}.get(code, code))  # Babel knows every one
