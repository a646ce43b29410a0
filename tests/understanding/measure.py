"""The hand-written sets of tests/understanding/ and the figures the issue asks for.

Shared by the test (which asserts the targets) and `bench/bench_understanding.py` (which
prints them with the matcher's cost). The sets were written by hand as parents write:
Cyrillic and Latin script, typos, no punctuation, long messages, emoji; not from the rules.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.answers import topic_answer
from bot.centre import Content, content_for
from bot.text import CATEGORIES, Understanding, understanding

HERE = Path(__file__).resolve().parent


def _lines(name: str) -> list[str]:
    text = (HERE / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def crisis_set() -> list[tuple[str, str]]:
    """(category, message) pairs."""
    return [tuple(line.split("\t", 1)) for line in _lines("crisis.tsv")]  # type: ignore[misc]


def ordinary_set() -> list[str]:
    return _lines("ordinary.txt")


def informational_set() -> list[str]:
    return _lines("informational.txt")


def faq_set() -> list[tuple[str, str]]:
    """(intent, message) pairs."""
    return [tuple(line.split("\t", 1)) for line in _lines("faq.tsv")]  # type: ignore[misc]


@dataclass
class Figures:
    recall: float = 0.0
    by_category: dict[str, float] = field(default_factory=dict)
    right_category: float = 0.0
    latin_recall: float = 0.0
    false_alarms: float = 0.0
    informational: float = 0.0
    faq: float = 0.0
    missed: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    wrong_faq: list[str] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)


def answered_beyond_numbers(reader: Understanding, content: Content, text: str) -> bool:
    """The answer goes on to what was asked (a topic answer or an FAQ answer)."""
    reading = reader.read(text)
    if reading.crisis:
        return topic_answer(content, reading) is not None or bool(reading.intents)
    return bool(reading.intents or reading.choices)


def measure(reader: Understanding | None = None, content: Content | None = None) -> Figures:
    reader = reader or understanding()
    content = content or content_for("harmanli")
    figures = Figures()
    crisis = crisis_set()
    found = Counter[str]()
    total = Counter[str]()
    right = latin = latin_found = 0
    for category, text in crisis:
        reading = reader.read(text)
        total[category] += 1
        is_latin = not any("а" <= ch <= "я" for ch in text.lower())
        latin += is_latin
        if reading.crisis:
            found[category] += 1
            latin_found += is_latin
            right += category in reading.crisis
        else:
            figures.missed.append(f"{category}: {text}")
    figures.recall = sum(found.values()) / len(crisis)
    figures.by_category = {c: found[c] / total[c] for c in CATEGORIES if total[c]}
    figures.right_category = right / len(crisis)
    figures.latin_recall = latin_found / latin if latin else 1.0
    ordinary = ordinary_set()
    figures.alarms = [t for t in ordinary if reader.read(t).crisis]
    figures.false_alarms = len(figures.alarms) / len(ordinary)
    informational = informational_set()
    figures.unanswered = [
        t for t in informational if not answered_beyond_numbers(reader, content, t)
    ]
    figures.informational = 1 - len(figures.unanswered) / len(informational)
    faq = faq_set()
    figures.wrong_faq = [
        f"{intent}: {text} -> {reader.read(text).intents or reader.read(text).choices}"
        for intent, text in faq
        if intent not in reader.read(text).intents
    ]
    figures.faq = 1 - len(figures.wrong_faq) / len(faq)
    figures.sizes = {
        "crisis": len(crisis),
        "crisis_latin": latin,
        "ordinary": len(ordinary),
        "informational": len(informational),
        "faq": len(faq),
    }
    return figures
