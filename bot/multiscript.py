"""Reading Ukrainian, Arabic, Dari and Turkish the way people type them.

`bot.text` reads Bulgarian and English (Cyrillic spelled in Latin, шльокавица); its words
are [a-z0-9] only, so Arabic script, Turkish and Ukrainian letters fall out. Here a text is
folded so the usual spellings meet:

- Arabic and Dari: diacritics (harakat) and the tatweel dropped; alef forms, ya, kaf, heh
  and teh marbuta each read as one letter, so Arabic and Persian keyboards meet; the
  zero-width non-joiner of "می‌خواهم" is read as nothing, as people also type "میخواهم".
- Turkish: ş ğ ç ö ü ı â read as s g c o u i a ("siddet" is "şiddet"); İ lowered right.
- Ukrainian: the apostrophe of "б'є" in any of its forms is dropped (people type "бє").
- Latin-script Arabic ("arabizi": "3am yedrobni", "bde mout") keeps its digits.

Matching is by words in a row; a word of four letters or more also matches the start of a
longer one (Turkish and Ukrainian endings), and an Arabic word also matches behind the
article or a one-letter prefix ("والعنف" holds "عنف").
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

_FOLD = str.maketrans(
    {
        # Arabic letter variants and Persian/Arabic keyboard differences
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ی",
        "ي": "ی",
        "ئ": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "ؤ": "و",
        "\u0640": None,  # tatweel
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,
        "\u200e": None,
        "\u200f": None,
        # Turkish letters as typed without them
        "ş": "s",
        "ğ": "g",
        "ç": "c",
        "ö": "o",
        "ü": "u",
        "ı": "i",
        "â": "a",
        "î": "i",
        "û": "u",
        # apostrophes (Ukrainian б'є, Turkish ДСП'den)
        "'": None,
        "ʼ": None,
        "’": None,
        "`": None,
    }
)
_HARAKAT = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed]")
_WORD = re.compile(r"\w+")
# One-letter prefixes and the article in front of an Arabic or Dari word.
_ARABIC_PREFIXES = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ف", "ل")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lowered and folded (see the module's docstring); for matching, not for display."""
    text = unicodedata.normalize("NFKC", text).replace("İ", "i").lower()
    text = _HARAKAT.sub("", text)
    return text.translate(_FOLD)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _word_matches(word: str, token: str) -> bool:
    if token == word:
        return True
    if len(word) >= 4 and token.startswith(word):
        return True
    if _ARABIC_LETTER.match(word) and len(word) >= 3 and token.endswith(word):
        return token[: -len(word)] in _ARABIC_PREFIXES
    return False


@lru_cache(maxsize=4096)
def _phrase(phrase: str) -> tuple[str, ...]:
    return tuple(words(phrase))


def phrase_in(phrase: str, tokens: list[str]) -> bool:
    """The phrase's words appear in a row in `tokens` (each as `_word_matches` allows)."""
    wanted = _phrase(phrase)
    if not wanted or len(wanted) > len(tokens):
        return False
    return any(
        all(_word_matches(w, t) for w, t in zip(wanted, tokens[i : i + len(wanted)], strict=True))
        for i in range(len(tokens) - len(wanted) + 1)
    )


class PhraseList:
    """Phrases of several languages by their first word, so a text is read once.

    `found_in` says whether a text holds one of them (the rules of `phrase_in`).
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in dict.fromkeys(phrases):
            wanted = _phrase(phrase)
            if wanted:
                self._by_first.setdefault(wanted[0], []).append(wanted)

    def _starting(self, token: str) -> Iterable[tuple[str, ...]]:
        """Phrases whose first word this token could be (itself, a start, behind a prefix)."""
        yield from self._by_first.get(token, ())
        for size in range(4, len(token)):
            yield from self._by_first.get(token[:size], ())
        if _ARABIC_LETTER.match(token):
            for prefix in _ARABIC_PREFIXES:
                if token.startswith(prefix) and len(token) - len(prefix) >= 3:
                    yield from self._by_first.get(token[len(prefix) :], ())

    def found_in(self, text: str) -> bool:
        tokens = words(text)
        for start, token in enumerate(tokens):
            for wanted in self._starting(token):
                window = tokens[start : start + len(wanted)]
                if len(window) == len(wanted) and all(
                    _word_matches(w, t) for w, t in zip(wanted, window, strict=True)
                ):
                    return True
        return False


class IntentIndex:
    """Keywords per intent; `best` is the intent with the longest matching keyword."""

    def __init__(self, keywords: Mapping[str, Iterable[str]]) -> None:
        self._keywords = {key: tuple(kw) for key, kw in keywords.items()}

    def best(self, text: str) -> str | None:
        tokens = words(text)
        found = [
            (len(_phrase(kw)), len(kw), key)
            for key, kws in self._keywords.items()
            for kw in kws
            if phrase_in(kw, tokens)
        ]
        return max(found)[2] if found else None


# --- the word lists (bot/multiscript.toml) --------------------------------------------------

WORDS_FILE = Path(__file__).with_name("multiscript.toml")
# FAQ intents whose answer has another name in `bot.answers.faq_answer`.
ANSWER_OF_INTENT = {"address": "contacts", "phone": "contacts"}


@cache
def _data() -> dict[str, Any]:
    return tomllib.loads(WORDS_FILE.read_text(encoding="utf-8"))


def crisis_phrases(languages: Iterable[str] | None = None) -> list[str]:
    """Every crisis phrase of the file (of the given languages), all categories."""
    wanted = set(languages) if languages is not None else None
    return [
        phrase
        for by_language in _data()["crisis"].values()
        for code, phrases in by_language.items()
        if wanted is None or code in wanted
        for phrase in phrases
    ]


def faq_keywords() -> dict[str, list[str]]:
    """Answer key -> keywords of every language (address and phone both answer contacts)."""
    keywords: dict[str, list[str]] = {}
    for intent, by_language in _data()["faq"].items():
        answer = ANSWER_OF_INTENT.get(intent, intent)
        keywords.setdefault(answer, []).extend(w for ws in by_language.values() for w in ws)
    return keywords
