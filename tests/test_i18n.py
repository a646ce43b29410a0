"""Catalogs are complete: every message id has a bg text (and en, once translated)."""

from __future__ import annotations

from datetime import date, time

from babel.dates import format_date
from babel.messages.pofile import read_po

from bot.i18n import (
    LOCALES_DIR,
    SUPPORTED_LANGUAGES,
    _,
    catalog,
    format_clock,
    format_day,
    language,
)
from scripts.i18n import build_template


def _catalog(code: str):  # type: ignore[no-untyped-def]
    with (LOCALES_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def test_catalog_is_up_to_date_with_the_code() -> None:
    ids = {m.id for m in build_template() if m.id}
    known = {m.id for m in _catalog("bg") if m.id}
    missing = sorted(ids - known)
    assert not missing, f"run scripts/i18n.py; not in the catalog: {missing[:5]}"


def test_every_message_has_a_bulgarian_text() -> None:
    missing = [m.id for m in _catalog("bg") if m.id and not m.string]
    assert not missing, missing[:5]


def test_underscore_says_what_gettext_says() -> None:
    for code in SUPPORTED_LANGUAGES:
        with language(code):
            for message in _catalog(code):
                if message.id and isinstance(message.id, str):
                    assert _(message.id) == catalog(code).gettext(message.id)
                elif message.id:  # a plural entry: its singular
                    assert _(message.id[0]) == catalog(code).gettext(message.id[0])
            assert _("не е в каталога") == "не е в каталога"


def test_dates_and_times_read_the_same_from_the_cache() -> None:
    day, moment = date(2026, 11, 23), time(14, 30)
    with language("bg"):
        assert format_day(day) == "понеделник, 23 ноември 2026\u202fг."
        assert format_clock(moment) == "14:30"
    with language("en"):
        assert format_day(day) == format_date(day, "full", locale="en")
        assert format_day(day) == format_day(day)  # second time from the cache
