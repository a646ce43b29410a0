"""Reading what people type, and the plain-text answers built from content and rules."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from bot.answers import contacts_text, hours_lines, hours_text
from bot.i18n import language
from bot.text import best_match, is_crisis, phrase_in, skeleton, spellings, tokens


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("къде", "kude"),
        ("къде", "kyde"),
        ("къде", "k`de"),
        ("часове", "4asove"),
        ("часове", "chasove"),
        ("шест", "6est"),
        ("щастие", "shtastie"),
        ("ясно", "qsno"),
        ("ясно", "jasno"),
        ("юли", "juli"),
        ("цена", "tsena"),
        ("направление", "napravlenie"),
    ],
)
def test_shlyokavitsa_reads_as_cyrillic(cyrillic: str, latin: str) -> None:
    assert skeleton(cyrillic) == skeleton(latin)


def test_case_and_punctuation_do_not_matter() -> None:
    assert skeleton("КЪДЕ СЕ НАМИРАТЕ?!") == skeleton("къде се намирате")
    assert tokens("  Здравейте,   как сте? ") == tokens("здравейте как сте")
    assert tokens("🙂👍") == []


def test_j_and_y_may_stand_for_short_i() -> None:
    readings = [" ".join(t) for t in spellings("samoubijstvo")]
    assert skeleton("самоубийство") in readings
    assert len(spellings("самоубийство")) == 1  # Cyrillic has one reading


def test_phrase_in_needs_words_in_a_row() -> None:
    text = tokens("детето ми бие барабани, не ме бие")
    assert not phrase_in("бие детето", text)
    assert phrase_in("ме бие", text)
    assert phrase_in("барабан", tokens("барабани"))  # short stems need an exact word
    assert phrase_in("тормоз", tokens("тормозят"))  # roots of five letters or more
    assert not phrase_in("умра", tokens("умрях"))


def test_crisis_forgives_no_typos() -> None:
    assert not is_crisis("тормаз", ["тормоз"])
    assert is_crisis("ТОРМОЗ!", ["тормоз"])


def test_faq_forgives_small_typos() -> None:
    entries = [("referral", ["направление"]), ("price", ["струва"])]
    assert best_match("направлениее", entries) == "referral"
    assert best_match("napravlenie", entries) == "referral"
    assert best_match("nqkakvo drugo", entries) is None


def test_more_keywords_win() -> None:
    entries = [("a", ["час"]), ("b", ["работно време"])]
    assert best_match("какво е работното време за час", entries) == "b"


WEEK = {d: ((time(9), time(12, 30)), (time(13, 30), time(17))) for d in range(5)}


def test_hours_grouped_by_runs_of_days() -> None:
    with language("bg"):
        assert hours_lines(WEEK) == ["Понеделник – петък: 09:00–12:30, 13:30–17:00"]
        split = {**WEEK, 2: ((time(9), time(12)),), 5: ((time(10), time(12)),)}
        assert hours_lines(split) == [
            "Понеделник – вторник: 09:00–12:30, 13:30–17:00",
            "Сряда: 09:00–12:00",
            "Четвъртък – петък: 09:00–12:30, 13:30–17:00",
            "Събота: 10:00–12:00",
        ]
        assert hours_lines({}) == []


def test_no_hours_means_the_phone(content: Any) -> None:
    with language("bg"):
        assert "0373 9 10 76" in hours_text(content, {})
        assert "Работно време:" in hours_text(content, WEEK)


def test_contacts_text(content: Any) -> None:
    with language("bg"):
        text = contacts_text(content, WEEK)
    assert "☎️ Специалисти: 0373 9 10 76" in text
    assert "☎️ Директор: 0888 20 80 27" in text
    assert "✉️ cop@harmanli.bg" in text
    assert "Понеделник – петък" in text
