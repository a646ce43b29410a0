"""The targets of the issue, on the hand-written sets (stricter than the held-out ones)."""

from __future__ import annotations

import pytest

from bot.text import CATEGORIES
from tests.understanding.measure import Figures, crisis_set, faq_set, measure, ordinary_set


@pytest.fixture(scope="module")
def figures() -> Figures:
    return measure()


def test_the_sets_are_big_enough() -> None:
    crisis = crisis_set()
    assert len(crisis) >= 300
    assert {c for c, _ in crisis} == set(CATEGORIES)
    assert sum(not any("а" <= ch <= "я" for ch in t.lower()) for _, t in crisis) >= 60
    assert len(ordinary_set()) >= 200
    assert len(faq_set()) >= 150


def test_crisis_recall(figures: Figures) -> None:
    assert figures.recall >= 0.99, figures.missed


def test_every_category(figures: Figures) -> None:
    for category, recall in figures.by_category.items():
        assert recall >= 0.95, (category, figures.missed)


def test_latin_script(figures: Figures) -> None:
    assert figures.latin_recall >= 0.97, figures.missed


def test_the_right_category(figures: Figures) -> None:
    assert figures.right_category >= 0.95


def test_false_alarms(figures: Figures) -> None:
    assert figures.false_alarms <= 0.03, figures.alarms


def test_informational_mentions_are_answered(figures: Figures) -> None:
    assert figures.informational >= 0.9, figures.unanswered


def test_faq(figures: Figures) -> None:
    assert figures.faq >= 0.95, figures.wrong_faq
