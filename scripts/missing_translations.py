"""List the message ids each catalog still lacks (empty, partly filled plurals, fuzzy).

    .venv/bin/python scripts/missing_translations.py            # counts and ids per language
    .venv/bin/python scripts/missing_translations.py --json out.json   # for a translator

Run `scripts/i18n.py` first so the catalogs know every id of the code and content file.
The JSON lists each missing id once, numbered, with its English text as a pivot and the
languages that lack it; `scripts/fill_translations.py` writes the answers back.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bot.i18n import SUPPORTED_LANGUAGES  # noqa: E402

LOCALES = ROOT / "locales"


def read(code: str) -> Catalog:
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=code)


def complete(message: Message) -> bool:
    """Every plural form filled and no fuzzy flag."""
    if message.fuzzy:
        return False
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def missing(code: str) -> list[Message]:
    return [m for m in read(code) if m.id and not complete(m)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the missing ids as JSON here")
    parser.add_argument("languages", nargs="*", default=list(SUPPORTED_LANGUAGES[1:]))
    args = parser.parse_args(argv)
    english = {m.id: m.string for m in read("en") if m.id}
    wanted: dict[object, dict[str, object]] = {}
    for code in args.languages:
        gaps = missing(code)
        print(f"{code}: {len(gaps)} missing")
        for message in gaps:
            key = message.id if isinstance(message.id, str) else tuple(message.id)
            entry = wanted.setdefault(
                key,
                {
                    "id": message.id if isinstance(message.id, str) else list(message.id),
                    "en": english.get(message.id),
                    "languages": [],
                },
            )
            entry["languages"].append(code)  # type: ignore[union-attr]
            if args.json is None:
                first = message.id if isinstance(message.id, str) else message.id[0]
                print("   ", first.replace("\n", "\\n")[:100])
    if args.json is not None:
        rows = [{"n": n, **entry} for n, entry in enumerate(wanted.values())]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{len(rows)} ids written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
