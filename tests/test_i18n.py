"""Catalogs are complete: every message id has a bg text (and en, once translated)."""

from __future__ import annotations

from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR
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
