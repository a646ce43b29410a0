"""Right-to-left messages (Arabic, Dari) that keep numbers, dates and phones in order.

In a right-to-left paragraph the Unicode bidirectional algorithm turns a run of numbers
with spaces or dashes between them around: "0373 9 10 76" shows as "76 10 9 0373",
"09:00–12:00" as "12:00–09:00". A LEFT-TO-RIGHT MARK in front of such a run makes its
digits left-to-right (rule W7), so the run reads as written; a RIGHT-TO-LEFT MARK at the
start of each line keeps the line right-to-left even when it begins with a number or a
Cyrillic name. Both marks are invisible format characters, neither letters nor digits, so
phone numbers, commands and addresses are still found: libphonenumber's matcher (the
library behind Android's and Telegram's phone links) finds "0373 9 10 76" after the mark
exactly as without it (`tests/test_bidi.py`).

Cyrillic names ("ЦОП Харманли", "кв. „Дружба“ 7А") need nothing: their letters are
left-to-right already and carry the numbers after them along.

A message is shaped only when its first letter is Arabic script, which is also how Telegram
apps pick a message's direction: staff cards (Bulgarian first) stay untouched even when they
show a note typed in Arabic, and the same text gives the same result wherever it is sent.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

LRM = "\u200e"
RLM = "\u200f"
# A number run that the algorithm would reorder: digits joined by spaces, dashes, slashes or
# dots and colons around a space or dash ("0373 9 10 76", "+359 888", "09:00–12:00").
_RUN = re.compile(r"\+?\d(?:[\d.:/]*\d)?(?:[ \u00a0\u202f\-\u2013\u2014/]+\+?\d(?:[\d.:/]*\d)?)+")
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


def first_strong(text: str) -> str | None:
    """The bidi class of the first letter that has a direction: "L", "R", "AL" or None."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return kind
    return None


def is_rtl(text: str) -> bool:
    """Whether Telegram shows the message right to left (its first letter is RTL)."""
    return _ARABIC_SCRIPT.search(text) is not None and first_strong(text) in ("R", "AL")


def _mark_run(match: re.Match[str]) -> str:
    return LRM + match.group(0)


@lru_cache(maxsize=2048)
def shape(text: str) -> str:
    """The text with the marks that keep it readable right to left; other texts unchanged."""
    if not is_rtl(text):
        return text
    lines = []
    for line in text.split("\n"):
        if line.strip():
            line = _RUN.sub(_mark_run, line)
            if not line.startswith(RLM):
                line = RLM + line
        lines.append(line)
    return "\n".join(lines)


def unshape(text: str) -> str:
    """The text without our marks (tests compare what a person reads)."""
    return text.replace(LRM, "").replace(RLM, "")
