"""Write translations into the catalogs from a JSON file keyed by the numbers of a dump.

    .venv/bin/python scripts/missing_translations.py --json ids.json
    .venv/bin/python scripts/fill_translations.py ids.json answers.json

`answers.json`: {"<n>": {"uk": "…", "ar": ["…" × 6 for a plural], …}, …}, where <n> is the
number `missing_translations.py` gave the id. Filled entries lose their fuzzy flag;
ids no longer in a catalog are reported and skipped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"


def main(argv: list[str]) -> int:
    dump_path, *answer_paths = argv
    ids = {str(row["n"]): row["id"] for row in json.loads(Path(dump_path).read_text("utf-8"))}
    by_language: dict[str, dict[object, object]] = {}
    for path in answer_paths:
        for n, texts in json.loads(Path(path).read_text("utf-8")).items():
            msgid = ids[n]
            key = msgid if isinstance(msgid, str) else msgid[0]
            for code, text in texts.items():
                by_language.setdefault(code, {})[key] = text
    for code, answers in by_language.items():
        po_path = LOCALES / code / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=code)
        filled = 0
        for key, text in answers.items():
            message = catalog.get(key)
            if message is None:
                print(f"{code}: not in the catalog: {str(key)[:60]!r}")
                continue
            if isinstance(message.id, tuple | list):
                forms = [text] if isinstance(text, str) else list(text)
                if len(forms) != catalog.num_plurals:
                    print(f"{code}: {len(forms)} forms, {catalog.num_plurals} wanted: {key!r}")
                    continue
                message.string = tuple(forms)
            else:
                message.string = text if isinstance(text, str) else text[0]
            message.flags.discard("fuzzy")
            filled += 1
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=0, omit_header=False, sort_output=True)
        print(f"{code}: {filled} filled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
