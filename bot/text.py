"""Reading what people type: crisis help and the FAQ, by meaning rather than by phrase.

A message is cut into words; each word is normalised (case, punctuation, letters
repeated for emphasis, Latin-script Bulgarian — шльокавица, with 4=ч, 6=ш, q=я …) and
lemmatised (simplemma, offline data). Each distinct word is then placed in the word
classes of `bot/content/understanding/classes.toml` (an exact word, a stem, an ending, or
the same with a typo forgiven by rapidfuzz) once per process. Rules
(`understanding/rules.toml`) combine classes found near each other into crisis categories
and FAQ intents. Words and rules are data, keyed by language: another centre or language
extends them without touching this module.

No telegram import: `bot.answers` turns a `Reading` into text, the flows into messages.
"""

from __future__ import annotations

import itertools
import re
import tomllib
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Literal

import simplemma
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz.distance import Levenshtein
from simplemma.strategies import DefaultStrategy

UNDERSTANDING_DIR = Path(__file__).resolve().parent / "content" / "understanding"

# Crisis categories, the most urgent first: the first line of the answer is the first found.
CATEGORIES = ("suicide", "sexual", "missing", "violence", "danger")

# --- normalisation ---------------------------------------------------------------------------

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "", "ю": "yu", "я": "ya", "ѝ": "i", "ы": "i",
    "э": "e", "ё": "yo", "і": "i", "ї": "i", "є": "e", "ґ": "g",
}  # fmt: skip

# Latin spellings people use, folded to the same skeleton (order matters: longest first).
_LATIN_FOLDS: tuple[tuple[str, str], ...] = (
    ("sht", "sht"), ("4", "ch"), ("6", "sh"), ("w", "v"), ("x", "h"), ("q", "ya"),
    ("ja", "ya"), ("ju", "yu"), ("ts", "c"), ("tz", "c"), ("j", "zh"), ("`", "a"),
    ("'", "a"), ("yo", "o"), ("io", "o"), ("y", "a"),
)  # fmt: skip

# Letters that look alike in both scripts: a word typed in two scripts ("пoмoщ" with a Latin
# o, "biе" with a Cyrillic е) is read in the script most of its letters are in.
_HOMOGLYPHS = str.maketrans("aceopxykmt", "асеорхукмт")
_TO_LATIN = str.maketrans("асеорхукмтві", "aceopxykmtbi")
_LATIN = re.compile(r"[a-z]")

# Шльокавица read as Cyrillic; the letters with two readings give two candidates each.
_LAT_TO_CYR_MULTI: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sht", ("щ",)), ("sh", ("ш",)), ("ch", ("ч",)), ("zh", ("ж",)), ("ts", ("ц",)),
    ("tz", ("ц",)), ("yu", ("ю",)), ("ju", ("ю", "жу")), ("iu", ("ю", "иу")), ("ya", ("я",)),
    ("ja", ("я", "жа")), ("ia", ("я", "иа")),
)  # fmt: skip
_LAT_TO_CYR_ONE = {
    "a": "а", "b": "б", "c": "ц", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х",
    "i": "и", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р",
    "s": "с", "t": "т", "v": "в", "z": "з", "q": "я", "w": "в", "x": "х", "4": "ч",
    "6": "ш", "`": "ъ", "'": "ъ",
}  # fmt: skip
_LAT_TO_CYR_TWO = {"j": ("ж", "й"), "u": ("у", "ъ"), "y": ("ъ", "й")}
_MAX_READINGS = 8

_WORD = re.compile(r"[^\W_]+|[`'](?=\w)", re.UNICODE)
_LETTERS = re.compile(r"[^\W_]+")  # after transliteration: Latin, and other scripts as they are
_SHLIOKAVITSA = re.compile(r"[a-z0-9`']+")
_REPEATS = re.compile(r"(.)\1{2,}")  # "умраааа": three or more of a letter
_DOUBLES = re.compile(r"(.)\1")
_CYRILLIC = re.compile(r"[а-яѝ]")


def skeleton(text: str) -> str:
    """Lowered, Latin-spelled, punctuation-free form for matching (not for display)."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = "".join(_CYR_TO_LAT.get(ch, ch) for ch in text)
    for src, dst in _LATIN_FOLDS:
        out = out.replace(src, dst)
    # "u" and "a" both stand for ъ in шльокавица; fold u into a as well.
    out = out.replace("u", "a")
    return " ".join(_LETTERS.findall(out))


# Laughing faces say "I am joking" ("ще ме убие 😂"): read them as a word.
_LAUGHTER = re.compile(
    "[\U0001f602\U0001f923\U0001f605\U0001f606\U0001f604\U0001f601\U0001f61c\U0001f61d]"
)


# "S.O.S.", "с.о.с", "S O S": one word.
_SOS = re.compile(r"(?<!\w)[sс][.\s]{1,2}[oо][.\s]{1,2}[sс](?!\w)\.?", re.IGNORECASE)


# Other scripts as people type them: Arabic and Persian keyboards give different ya, kaf and
# alef forms, vowel marks are optional, the Persian joiner (می‌خواهم) is often left out, and
# Turkish is often typed without its letters ("siddet" for "şiddet"). All meet here.
_OTHER_FOLDS = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ی", "ي": "ی", "ئ": "ی", "ك": "ک",
        "ة": "ه", "ۀ": "ه", "ؤ": "و", "\u0640": None, "\u200c": None, "\u200d": None,
        "ş": "s", "ğ": "g", "ç": "c", "ö": "o", "ü": "u", "ı": "i", "â": "a", "î": "i",
        "\u0307": None, "ʼ": "'", "’": "'",
    }
)  # fmt: skip
_HARAKAT = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed]")


def words(text: str) -> list[str]:
    """The message's words, lowered; a Latin look-alike inside a Cyrillic word is read as one."""
    text = unicodedata.normalize("NFKC", text).lower().replace("ѐ", "е")
    text = _HARAKAT.sub("", text).translate(_OTHER_FOLDS)
    text = _LAUGHTER.sub(" хаха ", text)
    text = _SOS.sub(" sos ", text)
    out = []
    for match in re.finditer(r"[^\W_]+(?:['`][^\W_]+)*", text):
        word = match.group(0)
        cyrillic = len(_CYRILLIC.findall(word))
        if cyrillic:
            latin = len(_LATIN.findall(word))
            word = word.translate(_HOMOGLYPHS if cyrillic >= latin else _TO_LATIN)
        out.append(word)
    return out


def tokens(text: str) -> list[str]:
    """Skeletons of the message's words (both scripts read alike)."""
    return [s for w in words(text) for s in skeleton(w).split()]


def cyrillic_readings(word: str) -> list[str]:
    """A Latin-script Bulgarian word as Cyrillic: "iskam" -> "искам"; "ubiq" -> "убия"."""
    options: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        for src, dst in _LAT_TO_CYR_MULTI:
            if word.startswith(src, i):
                options.append(dst)
                i += len(src)
                break
        else:
            ch = word[i]
            if ch in _LAT_TO_CYR_TWO:
                options.append(_LAT_TO_CYR_TWO[ch])
            else:
                options.append((_LAT_TO_CYR_ONE.get(ch, ch),))
            i += 1
    readings = []
    for combo in itertools.islice(itertools.product(*options), _MAX_READINGS):
        readings.append("".join(combo))
    return readings


# simplemma's front-coded dictionary, read in place: about 3 MB for Bulgarian where the
# unpacked one is about 25 MB. A lookup of a new word costs tens of microseconds more; the
# cache below makes that once per distinct word.
_LEMMATIZER = simplemma.Lemmatizer(
    cache_max_size=0, lemmatization_strategy=DefaultStrategy(low_memory=True)
)


@lru_cache(maxsize=8192)  # a centre sees a few thousand distinct words a day
def _lemma(word: str, lang: str) -> str:
    lemma = _LEMMATIZER.lemmatize(word, lang=lang)
    return lemma.split("-(", 1)[0].lower()


def _squeezed(word: str) -> set[str]:
    """The word as typed, with letters repeated for emphasis cut to one, and doubles cut."""
    out = {word}
    once = _REPEATS.sub(r"\1", word)
    out.add(once)
    out.add(_DOUBLES.sub(r"\1", once))
    return out


def word_forms(word: str, languages: Sequence[str] = ("bg", "en")) -> frozenset[str]:
    """Every skeleton a word may stand for: as typed, squeezed, and lemmatised.

    Bulgarian is lemmatised from Cyrillic, or from each Cyrillic reading of a Latin-script
    word; every other language in `languages` from the word as typed (simplemma knows
    uk, ar, fa, tr, en …). Short words keep their own form only: "me" is not English "I".
    """
    forms: set[str] = set()
    for variant in _squeezed(word):
        forms.add(skeleton(variant).replace(" ", ""))
        if "bg" in languages:
            if _CYRILLIC.search(variant):
                readings = [variant]
            elif _SHLIOKAVITSA.fullmatch(variant):
                readings = cyrillic_readings(variant)
            else:
                readings = []
            for reading in readings:
                forms.add(skeleton(_lemma(reading, "bg")).replace(" ", ""))
        if len(variant) >= 4:
            for lang in languages:
                if lang != "bg":
                    forms.add(skeleton(_lemma(variant, lang)).replace(" ", ""))
    forms.discard("")
    return frozenset(forms)


# --- word classes ----------------------------------------------------------------------------

FUZZY_MIN = 7  # words this long forgive one wrong letter
FUZZY_INDEL = 8  # … this long also one letter left out or added
FUZZY_TWO = 10  # … and this long two
BEFORE_REACH = 6  # `unless_before` looks this many words back (a sentence's subject)


@dataclass
class WordClasses:
    """Each class's words, stems and endings, all in skeleton form, for all languages."""

    exact: dict[str, set[str]] = field(default_factory=dict)
    prefix: dict[str, set[str]] = field(default_factory=dict)
    suffix: dict[str, set[str]] = field(default_factory=dict)
    # "=word": only the word as typed, not every word with the same lemma ("=крия" is the
    # writer hiding; "детето се крие" is not).
    surface: dict[str, set[str]] = field(default_factory=dict)
    languages: tuple[str, ...] = ("bg", "en")

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Mapping[str, Sequence[str]]], languages: Sequence[str]
    ) -> WordClasses:
        classes = cls(languages=tuple(languages))
        for name, by_language in data.items():
            for entries in by_language.values():
                for entry in entries:
                    classes.add(name, entry)
        return classes

    def add(self, name: str, entry: str) -> None:
        if " " in entry.strip():
            raise ValueError(f"class {name}: one word per entry, not {entry!r}")
        if entry.startswith("="):
            target, text = self.surface, entry[1:]
        elif entry.endswith("*"):
            target, text = self.prefix, entry[:-1]
        elif entry.startswith("*"):
            target, text = self.suffix, entry[1:]
        else:
            target, text = self.exact, entry
        parts = words(text)
        if len(parts) > 1:
            raise ValueError(f"class {name}: one word per entry, not {entry!r}")
        key = skeleton(parts[0] if parts else text).replace(" ", "")
        if key:
            target.setdefault(key, set()).add(name)

    def __post_init__(self) -> None:
        # People write the same few thousand words: each is placed in its classes once.
        self.classes_of = lru_cache(maxsize=8192)(self._classes_of)

    def _classes_of(self, word: str) -> frozenset[str]:
        """The classes a word belongs to (worked out once per distinct word)."""
        typed = {skeleton(v).replace(" ", "") for v in _squeezed(word)}
        readings = {
            skeleton(r).replace(" ", "")
            for v in _squeezed(word)
            if _SHLIOKAVITSA.fullmatch(v)
            for r in cyrillic_readings(v)
        }
        found: set[str] = set()
        for form in typed | readings:
            found |= self.surface.get(form, set())
        for form in word_forms(word, self.languages):
            # Typos are forgiven in the words as typed, not in lemmas worked out from them.
            found |= self._classes_of_form(form, typos=form in typed)
        return frozenset(found)

    def _classes_of_form(self, form: str, *, typos: bool) -> set[str]:
        found: set[str] = set(self.exact.get(form, ()))
        for size in range(1, len(form) + 1):
            found |= self.prefix.get(form[:size], set())
            found |= self.suffix.get(form[-size:], set())
        if typos and len(form) >= FUZZY_MIN:
            found |= self._with_a_typo(form, found)
        return found

    def _with_a_typo(self, form: str, found: set[str]) -> set[str]:
        """Classes whose word or stem is this form with one typo (two in long words).

        The first letter must be right: people mistype inside a word, and a wrong
        start reads too many unrelated words as crisis words. A letter left out or added
        counts only in words of FUZZY_INDEL letters or more: in shorter ones it makes
        another word too often ("избягва" is not "избяга").
        """
        limit = 2 if len(form) >= FUZZY_TWO else 1
        more: set[str] = set()
        for key, names in self.exact.items():
            if (
                len(key) >= FUZZY_MIN
                and key[0] == form[0]
                and abs(len(key) - len(form)) <= (limit if len(key) >= FUZZY_INDEL else 0)
                and not names <= found
                and Levenshtein.distance(key, form, score_cutoff=limit) <= limit
            ):
                more |= names
        for key, names in self.prefix.items():
            if (
                len(key) >= FUZZY_MIN
                and key[0] == form[0]
                and not names <= found
                and any(
                    Levenshtein.distance(key, form[: len(key) + d], score_cutoff=1) <= 1
                    for d in ((-1, 0, 1) if len(key) >= FUZZY_INDEL else (0,))
                )
            ):
                more |= names
        return more


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Every class of `all` on its own word, within `near` words; `unless` nearby cancels."""

    result: str  # a crisis category or an FAQ intent
    all: tuple[str, ...]
    near: int = 0
    unless: tuple[str, ...] = ()
    level: str = "crisis"
    weight: int = 0
    # When the message also holds an FAQ intent, this crisis match counts only as a doubt
    # ("помогнете ми да разбера какво е направление").
    asking_level: str = ""
    # The classes in the order listed ("бият детето": the verb before the child).
    ordered: bool = False
    # An intent read only when nothing else is ("час" alone: which one? the bot asks back).
    alone: bool = False
    # Classes that cancel only right beside a matched word ("се бие": a fight, not a beating).
    unless_next: tuple[str, ...] = ()
    # Classes that cancel when found just before the first matched word ("синът ми удря
    # брат си": a child before the verb is the one who hits).
    unless_before: tuple[str, ...] = ()

    def match(
        self, found: Sequence[frozenset[str]], positions: Mapping[str, list[int]]
    ) -> tuple[int, ...] | None:
        """Positions of the words that satisfy the rule, or None.

        `positions`: where each class is in the message (worked out once per message).
        """
        places = [positions.get(c, []) for c in self.all]
        if not all(places):
            return None
        near = self.near if len(self.all) > 1 else 0
        for first in places[0]:
            # Only the words within reach of this one: a long message stays cheap.
            nearby = [
                p[bisect_left(p, first - near) : bisect_right(p, first + near)] for p in places[1:]
            ]
            for rest in itertools.product(*nearby):
                combo = (first, *rest)
                if len(set(combo)) != len(combo) or max(combo) - min(combo) > near:
                    continue
                if self.ordered and list(combo) != sorted(combo):
                    continue
                if self.unless and self._cancelled(found, combo, self.unless, max(self.near, 2)):
                    continue
                if self.unless_next and self._cancelled(found, combo, self.unless_next, 1):
                    continue
                if self.unless_before and self._before(found, combo):
                    continue
                return combo
        return None

    def _before(self, found: Sequence[frozenset[str]], combo: Sequence[int]) -> bool:
        first = min(combo)
        start = max(0, first - BEFORE_REACH)
        return any(c in found[i] for i in range(start, first) for c in self.unless_before)

    @staticmethod
    def _cancelled(
        found: Sequence[frozenset[str]], combo: Sequence[int], classes: Sequence[str], reach: int
    ) -> bool:
        start, end = max(0, min(combo) - reach), min(len(found), max(combo) + reach + 1)
        return any(
            i not in combo and any(c in found[i] for c in classes) for i in range(start, end)
        )


class _RuleSpec(BaseModel):
    """One rule as written in rules.toml; a misspelt key fails at start-up."""

    model_config = ConfigDict(extra="forbid")

    category: str | None = None
    intent: str | None = None
    all: list[str] = Field(min_length=1)
    near: int = 0
    unless: list[str] = Field(default_factory=list)
    unless_next: list[str] = Field(default_factory=list)
    unless_before: list[str] = Field(default_factory=list)
    level: Literal["crisis", "topic", "doubt"] = "crisis"
    asking_level: Literal["", "crisis", "topic", "doubt"] = ""
    weight: int | None = None
    ordered: bool = False
    alone: bool = False


def _rule(raw: Mapping[str, object], result_key: str) -> Rule:
    spec = _RuleSpec.model_validate(raw)
    result = spec.category if result_key == "category" else spec.intent
    if not result:
        raise ValueError(f"a rule without its {result_key}: {dict(raw)}")
    return Rule(
        result=result,
        all=tuple(spec.all),
        near=spec.near,
        unless=tuple(spec.unless),
        level=spec.level,
        weight=len(spec.all) if spec.weight is None else spec.weight,
        asking_level=spec.asking_level,
        ordered=spec.ordered,
        alone=spec.alone,
        unless_next=tuple(spec.unless_next),
        unless_before=tuple(spec.unless_before),
    )


@dataclass(frozen=True)
class Reading:
    """What a message says, as far as the bot needs to know."""

    crisis: tuple[str, ...] = ()  # categories to answer with the numbers, most urgent first
    doubt: tuple[str, ...] = ()  # crisis-looking words in a probably everyday sense
    asks: bool = False  # the message asks something (a question word, a service, an intent)
    intents: tuple[str, ...] = ()  # FAQ intents to answer, in the order written
    choices: tuple[str, ...] = ()  # two or three intents read equally well: ask back
    home: bool = False  # about the family at home (0800 11 977 as well)

    @property
    def is_crisis(self) -> bool:
        return bool(self.crisis)


@dataclass(frozen=True)
class _Hit:
    result: str
    level: str
    weight: int
    places: frozenset[int]
    asking_level: str
    alone: bool = False


class Understanding:
    """The word classes and rules, read once per process; `read(text)` per message."""

    MAX_WORDS = 1000  # more than a Telegram message (4096 characters) holds

    def __init__(
        self,
        classes: WordClasses,
        crisis_rules: Sequence[Rule],
        intent_rules: Sequence[Rule],
        beats: Mapping[str, Sequence[str]],
    ) -> None:
        self.classes = classes
        self.crisis_rules = tuple(crisis_rules)
        self.intent_rules = tuple(intent_rules)
        self.beats = {k: frozenset(v) for k, v in beats.items()}
        self.intents = frozenset(r.result for r in self.intent_rules)
        # Rules by their first class: a message only asks the rules whose first class it holds.
        self._crisis_by_class = _by_first_class(self.crisis_rules)
        self._intents_by_class = _by_first_class(self.intent_rules)
        known = {n for names in classes.exact.values() for n in names}
        known |= {n for names in classes.surface.values() for n in names}
        known |= {n for names in classes.prefix.values() for n in names}
        known |= {n for names in classes.suffix.values() for n in names}
        for rule in (*self.crisis_rules, *self.intent_rules):
            named = (*rule.all, *rule.unless, *rule.unless_next, *rule.unless_before)
            missing = [c for c in named if c not in known]
            if missing:
                raise ValueError(f"rule for {rule.result}: unknown classes {missing}")
            if rule.result not in CATEGORIES and rule in self.crisis_rules:
                raise ValueError(f"unknown crisis category {rule.result!r}")
        self._read_short = lru_cache(maxsize=4096)(self._read)

    @classmethod
    def from_directory(cls, directory: Path = UNDERSTANDING_DIR) -> Understanding:
        classes_raw = tomllib.loads((directory / "classes.toml").read_text(encoding="utf-8"))
        rules_raw = tomllib.loads((directory / "rules.toml").read_text(encoding="utf-8"))
        languages = rules_raw.get("languages", {}).get("lemmatise", ["bg", "en"])
        return cls(
            WordClasses.from_mapping(classes_raw, languages),
            [_rule(r, "category") for r in rules_raw.get("crisis", [])],
            [_rule(r, "intent") for r in rules_raw.get("intent", [])],
            rules_raw.get("beats", {}),
        )

    def classes_in(self, text: str) -> list[frozenset[str]]:
        return [self.classes.classes_of(w) for w in words(text)[: self.MAX_WORDS]]

    def read(self, text: str) -> Reading:
        """Crisis categories, FAQ intents and whether the message asks something."""
        if len(text) <= 64:  # short texts come back again and again
            return self._read_short(text)
        return self._read(text)

    def _read(self, text: str) -> Reading:
        found = self.classes_in(text)
        positions: dict[str, list[int]] = {}
        for i, names in enumerate(found):
            for name in names:
                positions.setdefault(name, []).append(i)
        present = positions.keys()
        intent_rules = _candidates(self._intents_by_class, positions)
        intent_hits = self._hits(intent_rules, found, positions)
        intents, choices = self._choose(intent_hits)
        crisis_rules = _candidates(self._crisis_by_class, positions)
        crisis_hits = self._hits(crisis_rules, found, positions, first_only=True)
        asking = bool(intents or choices)
        strong: list[_Hit] = []
        doubtful: list[_Hit] = []
        for hit in crisis_hits:
            level = hit.asking_level if asking and hit.asking_level else hit.level
            (doubtful if level == "doubt" else strong).append(hit)
        crisis = tuple(c for c in CATEGORIES if any(h.result == c for h in strong))
        doubt = tuple(
            c for c in CATEGORIES if c not in crisis and any(h.result == c for h in doubtful)
        )
        return Reading(
            crisis=crisis,
            doubt=() if crisis else doubt,
            asks=asking or "ask" in present,
            intents=intents,
            choices=choices,
            home="home" in present,
        )

    @staticmethod
    def _hits(
        rules: Sequence[Rule],
        found: Sequence[frozenset[str]],
        positions: Mapping[str, list[int]],
        *,
        first_only: bool = False,
    ) -> list[_Hit]:
        """Every rule that holds; `first_only`: one per result and level is enough."""
        hits = []
        done: set[tuple[str, str, str]] = set()
        for rule in rules:
            if first_only and (rule.result, rule.level, rule.asking_level) in done:
                continue
            if any(c not in positions for c in rule.all):
                continue
            places = rule.match(found, positions)
            if places is not None:
                hit = _Hit(
                    rule.result,
                    rule.level,
                    rule.weight,
                    frozenset(places),
                    rule.asking_level,
                    rule.alone,
                )
                hits.append(hit)
                done.add((rule.result, rule.level, rule.asking_level))
        return hits

    def _choose(self, hits: Sequence[_Hit]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The intents to answer, in the order written; or two or three to ask back about."""
        if any(not h.alone for h in hits):
            hits = [h for h in hits if not h.alone]
        else:
            found = tuple(dict.fromkeys(h.result for h in hits))
            return (found, ()) if len(found) == 1 else ((), found[:3])
        best: dict[str, tuple[float, frozenset[int]]] = {}
        for hit in hits:
            score, places = best.get(hit.result, (0.0, frozenset()))
            if hit.weight > score:
                best[hit.result] = (hit.weight + (0.1 if score else 0.0), hit.places | places)
            else:
                best[hit.result] = (score + 0.1, places | hit.places)
        for winner, losers in self.beats.items():
            if winner in best:
                for loser in losers:
                    if loser in best and best[loser][0] <= best[winner][0] + 1:
                        best.pop(loser)
        kept: dict[str, tuple[float, frozenset[int]]] = {}
        tied: set[str] = set()
        for key, (score, places) in sorted(best.items(), key=lambda kv: -kv[1][0]):
            rival = next((k for k, (_, p) in kept.items() if p & places), None)
            if rival is None:
                kept[key] = (score, places)
            elif abs(kept[rival][0] - score) < 0.05:
                tied |= {rival, key}
        strongest = max((score for k, (score, _) in kept.items() if k not in tied), default=0)
        if tied and max(best[k][0] for k in tied) >= strongest:
            ordered = sorted(tied, key=lambda k: -best[k][0])
            return (), tuple(ordered[:3])
        kept = {k: v for k, v in kept.items() if k not in tied}
        intents = sorted(kept, key=lambda k: min(kept[k][1]))
        return tuple(intents), ()


def _by_first_class(rules: Sequence[Rule]) -> dict[str, list[tuple[int, Rule]]]:
    index: dict[str, list[tuple[int, Rule]]] = {}
    for number, rule in enumerate(rules):
        index.setdefault(rule.all[0], []).append((number, rule))
    return index


def _candidates(
    index: Mapping[str, list[tuple[int, Rule]]], positions: Mapping[str, list[int]]
) -> list[Rule]:
    """The rules whose first class the message holds, in the order they are written."""
    found = [entry for name in positions for entry in index.get(name, ())]
    found.sort(key=lambda entry: entry[0])
    return [rule for _, rule in found]


@cache
def understanding() -> Understanding:
    """The bot's word classes and rules (read once per process)."""
    return Understanding.from_directory()


def read(text: str) -> Reading:
    """Shorthand for `understanding().read(text)`."""
    return understanding().read(text)


def is_crisis(text: str) -> bool:
    """True when the message calls for the crisis answer."""
    return read(text).is_crisis


def crisis_category(text: str) -> str | None:
    """The most urgent crisis category of the message, or None."""
    found = read(text).crisis
    return found[0] if found else None


def intents_of(text: str) -> tuple[str, ...]:
    """The FAQ intents the message asks about (empty when none, or when it is a tie)."""
    return read(text).intents
