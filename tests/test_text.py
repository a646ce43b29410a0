"""Reading what people type, and the plain-text answers built from content and rules."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest

from bot.answers import contacts_text, hours_lines, hours_text
from bot.i18n import language
from bot.text import (
    Understanding,
    WordClasses,
    cyrillic_readings,
    is_crisis,
    skeleton,
    tokens,
    word_forms,
    words,
)


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


def test_latin_words_are_read_as_cyrillic() -> None:
    assert "искам" in cyrillic_readings("iskam")
    assert "убия" in cyrillic_readings("ubiq")
    assert "режа" in cyrillic_readings("reja")
    assert "часове" in cyrillic_readings("4asove")


def test_words_fold_look_alikes_and_laughter() -> None:
    assert words("пoмoщ") == ["помощ"]  # Latin o inside a Cyrillic word
    assert words("ще ме убие 😂") == ["ще", "ме", "убие", "хаха"]


def test_word_forms_hold_lemmas_and_squeezed_letters() -> None:
    assert skeleton("убия") in word_forms("убиха")
    assert skeleton("умра") in word_forms("умраааа")
    assert skeleton("пребия") in word_forms("prebiha")


def test_word_classes_forgive_one_typo_in_long_words_only() -> None:
    classes = WordClasses.from_mapping({"x": {"bg": ["изнасили*", "насилие"]}}, ["bg"])
    assert "x" in classes.classes_of("изнасилиха")
    assert "x" in classes.classes_of("изнасилихаа")
    assert "x" in classes.classes_of("iznasiliha")
    assert "x" not in classes.classes_of("насипно")


def test_rules_need_their_words_near_each_other() -> None:
    assert is_crisis("мъжът ми ме бие")
    assert not is_crisis("ме покани на рожден ден, където децата бият барабани")


def test_rules_and_classes_are_checked_at_load(tmp_path: Path) -> None:
    (tmp_path / "classes.toml").write_text('[a]\nbg = ["дума"]\n', encoding="utf-8")
    (tmp_path / "rules.toml").write_text(
        '[[crisis]]\ncategory = "violence"\nall = ["a", "nope"]\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="unknown classes"):
        Understanding.from_directory(tmp_path)


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


def test_a_time_inside_a_sentence_takes_its_prepositions() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.i18n import format_when_at

    tz = ZoneInfo("Europe/Sofia")
    now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    with language("bg"):
        tuesday = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)
        assert format_when_at(tuesday, tz, now) == "във вторник, 8 декември, в 09:00 ч."
        wednesday = datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
        assert format_when_at(wednesday, tz, now) == "в сряда, 9 декември, в 09:00 ч."


def test_another_language_is_added_in_data_only(tmp_path: Path) -> None:
    """Words per language: a Ukrainian list and "uk" in the lemmatised languages suffice."""
    (tmp_path / "classes.toml").write_text(
        '[me]\nbg = ["ме"]\nuk = ["мене", "мене"]\n'
        '[hit]\nbg = ["бия"]\nuk = ["бити", "б\'є", "бʼє"]\n',
        encoding="utf-8",
    )
    (tmp_path / "rules.toml").write_text(
        '[languages]\nlemmatise = ["bg", "uk"]\n'
        '[[crisis]]\ncategory = "violence"\nall = ["me", "hit"]\nnear = 3\n',
        encoding="utf-8",
    )
    reader = Understanding.from_directory(tmp_path)
    assert reader.read("Чоловік мене б'є").crisis == ("violence",)
    assert reader.read("мъжът ми ме бие").crisis == ("violence",)
    assert not reader.read("Добрий день").crisis


def test_a_misspelt_rule_key_fails_at_load(tmp_path: Path) -> None:
    (tmp_path / "classes.toml").write_text('[a]\nbg = ["дума"]\n', encoding="utf-8")
    (tmp_path / "rules.toml").write_text(
        '[[crisis]]\ncategory = "violence"\nall = ["a"]\nunles = ["a"]\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="unles"):
        Understanding.from_directory(tmp_path)
