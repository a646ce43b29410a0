"""Reading what people type: case, punctuation, typos and Latin-script Bulgarian.

Crisis words and the FAQ are matched on a "skeleton": both the text and the keyword
are lowered, Cyrillic is spelled in Latin, and the letters шльокавица writes in many
ways (ъ as a/u/y, ч as 4/ch, ш as 6/sh, я as q/ya …) fall together.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from difflib import SequenceMatcher
from functools import lru_cache

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "", "ю": "yu", "я": "ya", "ѝ": "i",
}  # fmt: skip

# Latin spellings people use, folded to the same skeleton (order matters: longest first).
_LATIN_FOLDS: tuple[tuple[str, str], ...] = (
    ("sht", "sht"), ("4", "ch"), ("6", "sh"), ("w", "v"), ("x", "h"), ("q", "ya"),
    ("ja", "ya"), ("ju", "yu"), ("ts", "c"), ("tz", "c"), ("j", "zh"), ("`", "a"),
    ("'", "a"), ("y", "a"),
)  # fmt: skip

_WORD = re.compile(r"[a-z0-9]+")


def skeleton(text: str) -> str:
    """Lowered, Latin-spelled, punctuation-free form for matching (not for display)."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = "".join(_CYR_TO_LAT.get(ch, ch) for ch in text)
    for src, dst in _LATIN_FOLDS:
        out = out.replace(src, dst)
    # "u" and "a" both stand for ъ in шльокавица; fold u into a as well.
    out = out.replace("u", "a")
    return " ".join(_WORD.findall(out))


def tokens(text: str) -> list[str]:
    return skeleton(text).split()


def _token_matches(word: str, token: str, *, prefix: bool, fuzzy: bool) -> bool:
    if token == word:
        return True
    if prefix and len(word) >= 5 and token.startswith(word):
        return True
    if fuzzy and len(word) >= 5 and abs(len(token) - len(word)) <= 2:
        matcher = SequenceMatcher(None, word, token)
        # the quick ratios are upper bounds of ratio(): most pairs stop there
        return (
            matcher.real_quick_ratio() >= 0.8
            and matcher.quick_ratio() >= 0.8
            and matcher.ratio() >= 0.8
        )
    return False


@lru_cache(maxsize=4096)
def _phrase_tokens(phrase: str) -> tuple[str, ...]:
    """Keywords and crisis phrases come from the content file: normalise each once."""
    return tuple(tokens(phrase))


def phrase_in(phrase: str, text_tokens: Sequence[str], *, fuzzy: bool = False) -> bool:
    """True if the phrase's words appear in a row (last word may be a longer form)."""
    words = _phrase_tokens(phrase)
    if not words or len(words) > len(text_tokens):
        return False
    for start in range(len(text_tokens) - len(words) + 1):
        window = text_tokens[start : start + len(words)]
        if all(
            _token_matches(w, t, prefix=True, fuzzy=fuzzy)
            for w, t in zip(words, window, strict=True)
        ):
            return True
    return False


# Latin "j" and "y" also stand for й ("samoubijstvo", "samoubiystvo"); read both ways.
_J_READINGS = (("j", "i"), ("y", "i"))


def spellings(text: str) -> list[list[str]]:
    """Token lists for every way the Latin letters may be read (one list for Cyrillic)."""
    variants = [tokens(text)]
    lowered = text.lower()
    for src, dst in _J_READINGS:
        if src in lowered:
            variants.append(tokens(lowered.replace(src, dst)))
    return variants


class PhraseIndex:
    """Phrases by their first word, so a message is read once, not once per phrase.

    Same rule as `phrase_in` without typos: each word equal, a word of five letters or
    more also as the start of a longer one ("тормоз" finds "тормозят").
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            words = _phrase_tokens(phrase)
            if words:
                self._by_first.setdefault(words[0], []).append(words)

    def _starts(self, token: str) -> Iterator[tuple[str, ...]]:
        yield from self._by_first.get(token, ())
        for size in range(5, len(token)):
            yield from self._by_first.get(token[:size], ())

    def found_in(self, text_tokens: Sequence[str]) -> bool:
        for start, token in enumerate(text_tokens):
            for words in self._starts(token):
                window = text_tokens[start : start + len(words)]
                if len(window) == len(words) and all(
                    _token_matches(w, t, prefix=True, fuzzy=False)
                    for w, t in zip(words[1:], window[1:], strict=True)
                ):
                    return True
        return False

    def found_in_text(self, text: str) -> bool:
        return any(self.found_in(reading) for reading in spellings(text))


def is_crisis(text: str, words: Iterable[str]) -> bool:
    """Crisis words win over everything; typos are not forgiven, word roots are.

    The bot keeps one `PhraseIndex` (see `bot.flows.crisis`); this is the one-off form.
    """
    return PhraseIndex(words).found_in_text(text)


class KeywordIndex:
    """FAQ keywords read once; each word a message holds is compared with them once.

    Same rule as `phrase_in` with typos forgiven. The typo check (difflib) is the costly
    part, and people write the same few hundred words: what each word matches is kept.
    """

    def __init__(self, entries: Iterable[tuple[str, Sequence[str]]]) -> None:
        self._entries = [
            (key, [words for words in map(_phrase_tokens, keywords) if words])
            for key, keywords in entries
        ]
        self._vocabulary = frozenset(w for _, phrases in self._entries for p in phrases for w in p)
        self._matching = lru_cache(maxsize=8192)(self._words_matching)

    def _words_matching(self, token: str) -> frozenset[str]:
        return frozenset(
            w for w in self._vocabulary if _token_matches(w, token, prefix=True, fuzzy=True)
        )

    def best(self, text: str) -> str | None:
        """The key whose keywords match most; None when nothing matches."""
        matched = [self._matching(token) for token in tokens(text)]
        best: tuple[int, str] | None = None
        for key, phrases in self._entries:
            score = sum(len(words) for words in phrases if _in_a_row(words, matched))
            if score and (best is None or score > best[0]):
                best = (score, key)
        return best[1] if best else None


def _in_a_row(words: Sequence[str], matched: Sequence[frozenset[str]]) -> bool:
    """The phrase's words, each among what a token of the text matched, one after another."""
    size = len(words)
    return any(
        all(w in m for w, m in zip(words, matched[start : start + size], strict=True))
        for start in range(len(matched) - size + 1)
    )


def best_match(text: str, entries: Iterable[tuple[str, Sequence[str]]]) -> str | None:
    """The key whose keywords match most (typos forgiven); None when nothing matches.

    The bot keeps one `KeywordIndex` (see `Services.faq`); this is the one-off form.
    """
    return KeywordIndex(entries).best(text)
