"""Translations and dates. Message ids are the Bulgarian texts; catalogs in `locales/`.

The current language lives in a context variable set once per update (and per
reminder), so `_()` can be called anywhere without threading a locale through.
Catalogs are read from the `.po` files at start-up: no compile step for anyone.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "bg"
SUPPORTED_LANGUAGES = ("bg", "en", "uk", "ar", "fa", "tr")
# Each language named in itself, for the language picker (never translated).
LANGUAGE_AUTONYMS: dict[str, str] = {
    "bg": "Български",
    "en": "English",
    "uk": "Українська",
    "ar": "العربية",
    "fa": "دری",
    "tr": "Türkçe",
}
RTL_LANGUAGES = frozenset({"ar", "fa"})
# Babel's locale per language: `fa` is Dari here, so dates use Afghan month names (fa_AF).
_BABEL_LOCALE = {"fa": "fa_AF"}
# "вторник, 24 ноември" in each language's own order and punctuation.
_SHORT_DAY_PATTERN = {
    "ar": "EEEE، d MMMM",
    "fa": "EEEE d MMMM",
    "tr": "d MMMM EEEE",
}

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=256)
def pick_language(telegram_code: str | None) -> str:
    """Map a Telegram language code ("en-GB", "uk", None) to a supported one, bg otherwise."""
    if telegram_code:
        base = telegram_code.split("-")[0].split("_")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    _language.set(language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _language.get()


@contextmanager
def language(code: str) -> Iterator[None]:
    """Speak `code` inside the block (used by jobs that write to many parents)."""
    token = _language.set(code if code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


@cache
def catalog(code: str) -> gettext.NullTranslations:
    po_path = LOCALES_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as handle:
        parsed = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, parsed, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def _messages(code: str) -> dict[str, str]:
    """The catalog's translations as one dict: `_` runs a dozen times per answer."""
    translations = catalog(code)
    entries: dict[object, str] = getattr(translations, "_catalog", {})
    # gettext reads a plural entry's singular as its form for n = 1 (Arabic: form 1, not 0).
    plural = getattr(translations, "plural", None)  # set from the catalog's header
    one = plural(1) if callable(plural) else 0
    singular = {
        key[0]: text for key, text in entries.items() if isinstance(key, tuple) and key[1] == one
    }
    return {**singular, **{k: v for k, v in entries.items() if isinstance(k, str) and k}}


def _(message: str) -> str:
    """Translate into the current language; the message id is the Bulgarian text."""
    return _messages(_language.get()).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(_language.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark for extraction only; translated later where it is shown."""
    return message


# --- dates and times, always in the centre's zone -------------------------------------------


@cache
def _parsed_locale(code: str) -> Locale:
    return Locale.parse(_BABEL_LOCALE.get(code, code))


def babel_locale() -> Locale:
    """The current language as Babel's Locale: given a code, Babel parses it on every call."""
    return _parsed_locale(_language.get())


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """An aware moment seen on the centre's wall clock."""
    return moment.astimezone(tz)


def format_day(day: date) -> str:
    """ "понеделник, 23 ноември 2026 г." """
    return _date_text(day, "full", _language.get())


def format_day_short(day: date) -> str:
    """ "понеделник, 23 ноември" for buttons and reminders (the year is obvious)."""
    code = _language.get()
    return _date_text(day, _SHORT_DAY_PATTERN.get(code, "EEEE, d MMMM"), code)


def format_day_long(day: date) -> str:
    """ "4 юни 2014 г." for dates in the past, where the weekday adds nothing."""
    return _date_text(day, "long", _language.get())


def format_day_numeric(day: date) -> str:
    """ "23.11.2026 г." """
    return _date_text(day, "medium", _language.get())


def format_clock(moment: time | datetime) -> str:
    """ "14:30" """
    if type(moment) is time:
        return _time_text(moment, _language.get())
    return format_time(moment, "HH:mm", locale=babel_locale())


# The same few dozen days and times come back in every day and time picker.
@lru_cache(maxsize=4096)
def _date_text(day: date, pattern: str, code: str) -> str:
    return format_date(day, pattern, locale=_parsed_locale(code))


@lru_cache(maxsize=1024)
def _time_text(moment: time, code: str) -> str:
    return format_time(moment, "HH:mm", locale=_parsed_locale(code))


def comma() -> str:
    """The comma between "утре" and the day: Arabic and Dari write "،"."""
    return "\u060c " if _language.get() in RTL_LANGUAGES else ", "


def relative_day(day: date, today: date) -> str | None:
    """ "днес" / "утре" where true, else None."""
    delta = (day - today).days
    if delta == 0:
        return _("днес")
    if delta == 1:
        return _("утре")
    return None


def format_when_at(moment: datetime, tz: ZoneInfo, now: datetime | None = None) -> str:
    """ "във вторник, 8 декември, в 09:00 ч." (or "утре, вторник, …") inside a sentence."""
    at = moment.astimezone(tz)
    day_text = format_day_short(at.date())
    rel = relative_day(at.date(), now.astimezone(tz).date()) if now is not None else None
    if rel:
        return _("{relative}, {day}, в {time} ч.").format(
            relative=rel, day=day_text, time=format_clock(at)
        )
    # Bulgarian says "във" before в/ф ("във вторник"), "в" otherwise ("в сряда").
    if day_text[:1].lower() in ("в", "ф"):
        return _("във {day}, в {time} ч.").format(day=day_text, time=format_clock(at))
    return _("в {day}, в {time} ч.").format(day=day_text, time=format_clock(at))


def format_when(moment: datetime, tz: ZoneInfo, now: datetime | None = None) -> str:
    """ "утре, вторник, 24 ноември, 10:00 ч." in the centre's zone."""
    at = moment.astimezone(tz)
    day_text = format_day_short(at.date())
    if now is not None:
        rel = relative_day(at.date(), now.astimezone(tz).date())
        if rel:
            day_text = f"{rel}{comma()}{day_text}"
    return _("{day}, {time} ч.").format(day=day_text, time=format_clock(at))


speaking = language  # the same, for modules where `language` names something else
