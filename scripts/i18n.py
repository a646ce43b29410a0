"""Refresh the catalogs: extract `_()`/`N_()` strings and the content files' texts.

    .venv/bin/python scripts/i18n.py

Message ids are the Bulgarian texts, so the bg catalog is filled from them (staff can
re-word a text there without touching code); the other catalogs (en, uk, ar, fa, tr) keep
their translations, new ids arrive empty, `tests/test_i18n.py` fails on what is missing and
`scripts/missing_translations.py` lists it.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.i18n import SUPPORTED_LANGUAGES  # noqa: E402

LOCALES = ROOT / "locales"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# Content keys that are identifiers, numbers or phone numbers, not prose.
NOT_TEXT_KEYS = {
    "key",
    "e164",
    "display",
    "answer",
    "email",
    "keywords",
    "words",
    "emergency",
    "children",
    "missing_children",
    "domestic_violence",
    "number",
}


def _content_strings(node: object, key: str = "") -> list[str]:
    if key in NOT_TEXT_KEYS:
        return []
    if isinstance(node, str):
        return [node] if node.strip() else []
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in _content_strings(v, k)]
    if isinstance(node, list):
        return [s for v in node for s in _content_strings(v, key)]
    return []


def build_template() -> Catalog:
    template = Catalog(project="cop-bot", charset="utf-8")
    for package in ("bot", "admin", "storage"):
        for filename, lineno, message, comments, _ctx in extract_from_dir(
            ROOT / package,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True,
        ):
            template.add(
                message, locations=[(f"{package}/{filename}", lineno)], auto_comments=comments
            )
    # The web desk's templates: `{{ _("…") }}` as in the code.
    for filename, lineno, message, comments, _ctx in extract_from_dir(
        ROOT / "admin" / "web" / "templates",
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}},
        keywords=KEYWORDS,
    ):
        template.add(
            message,
            locations=[(f"admin/web/templates/{filename}", lineno)],
            auto_comments=comments,
        )
    for path in sorted((ROOT / "bot" / "content").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for text in _content_strings(data):
            template.add(text, locations=[(f"bot/content/{path.name}", 0)])
    return template


# Pages only staff see: staff always work in Bulgarian (English kept for the lead's review),
# so the parents' languages (uk, ar, fa, tr) leave them out.
STAFF_ONLY = ("admin/web/", "admin/telegram/waitlist.py")  # staff read Bulgarian


def staff_only(message: Message) -> bool:
    return bool(message.locations) and all(
        path.startswith(STAFF_ONLY) for path, _line in message.locations
    )


def parents_template() -> Catalog:
    """The template without the staff-only pages (the catalogs of uk, ar, fa, tr)."""
    template = build_template()
    for message in [m for m in template if m.id and staff_only(m)]:
        template.delete(message.id)
    return template


def update(code: str, template: Catalog) -> None:
    po_path = LOCALES / code / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    if po_path.exists():
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=code)
    else:
        catalog = Catalog(locale=code, project="cop-bot", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    catalog.fuzzy = False  # a fuzzy header is left out of the compiled catalog: plural rules too
    catalog.obsolete.clear()
    if code == "bg":
        for message in catalog:
            if message.id and not message.string:
                message.string = message.id
            message.flags.discard("fuzzy")
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=True)


def main() -> int:
    template = build_template()
    LOCALES.mkdir(exist_ok=True)
    with (LOCALES / "messages.pot").open("wb") as handle:
        write_po(handle, template, width=0, sort_output=True)
    for code in SUPPORTED_LANGUAGES:
        # A fresh template each time: update() shares message objects.
        fresh = build_template() if code in ("bg", "en") else parents_template()
        update(code, fresh)
    counts = []
    for code in SUPPORTED_LANGUAGES[1:]:
        with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            missing = [m.id for m in read_po(handle) if m.id and not _complete(m)]
        counts.append(f"{code} missing {len(missing)}")
    print(f"{len(template)} messages; " + ", ".join(counts))
    return 0


def _complete(message: Message) -> bool:
    """Every form filled (a plural entry has one per plural form of the language)."""
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


if __name__ == "__main__":
    sys.exit(main())
