"""Free text: the small FAQ from the content file, in Cyrillic, Latin, with typos."""

from __future__ import annotations

from typing import Any

import pytest

from bot.answers import faq_answer
from bot.text import KeywordIndex, best_match, phrase_in, skeleton, tokens
from tests.chat import Chat

CASES = [
    ("Къде се намирате?", "contacts"),
    ("kude se namirate", "contacts"),
    ("kyde ste", "contacts"),
    ("KADE SE NAMIRATE???", "contacts"),
    ("адрес", "contacts"),
    ("telefon", "contacts"),
    ("Какъв е телефонът?", "contacts"),
    ("4asove", "hours"),
    ("Какво е работното време", "hours"),
    ("rabotno vreme", "hours"),
    ("Кога сте отворени?", "hours"),
    ("kolko struva", "price"),
    ("Колко струва консултацията?", "price"),
    ("плаща ли се", "price"),
    ("Колко е цената?", "price"),
    ("Каква е цената на консултацията?", "price"),
    ("kolko e cenata", "price"),
    ("Какви са цените?", "price"),
    ("napravlenie", "referral"),
    ("Трябва ли ми направлние", "referral"),  # typo
    ("Трябва ли насочване от ДСП?", "referral"),
    ("za kogo e centara", "who"),
    ("Може ли да дойда с детето?", "who"),
    ("Kakvo da nosq", "documents"),
    ("Какви документи трябват?", "documents"),
    ("Искам да запиша час", "booking"),
    ("iskam da zapisha 4as", "booking"),
    # The bot speaks English too (refugee families at Харманли): the FAQ reads English.
    ("Where are you?", "contacts"),
    ("What is your phone number?", "contacts"),
    ("What are your opening hours?", "hours"),
    ("How much does it cost?", "price"),
    ("Is it free?", "price"),
    ("Do I need a referral?", "referral"),
    ("What documents should I bring?", "documents"),
    ("I want to book an appointment", "booking"),
]


@pytest.mark.parametrize(("text", "answer"), CASES)
def test_faq_matching(text: str, answer: str, content: Any) -> None:
    entries = [(f.answer, f.keywords) for f in content.faq]
    assert best_match(text, entries) == answer


@pytest.mark.parametrize(
    "text", ["Здравейте", "🙂", "asdfgh", "Благодаря", "ok", "Hello", "Thank you"]
)
def test_no_faq_match(text: str, content: Any) -> None:
    assert best_match(text, [(f.answer, f.keywords) for f in content.faq]) is None


def test_skeleton_reads_both_scripts_alike() -> None:
    assert skeleton("Къде се намирате?") == skeleton("kude se namirate")
    assert skeleton("часове") == skeleton("4asove")
    assert skeleton("шест") == skeleton("6est")


async def test_contacts_answer(chat: Chat) -> None:
    await chat.send("kude se namirate")
    text = chat.last_text()
    assert "кв. „Дружба“ 7А" in text and "0373 9 10 76" in text and "cop@harmanli.bg" in text


async def test_hours_answer_from_the_rules(chat: Chat) -> None:
    await chat.send("4asove")
    assert "Работно време" in chat.last_text()
    assert "Понеделник – петък: 09:00–12:00, 13:00–17:00" in chat.last_text()


async def test_price_answer(chat: Chat) -> None:
    await chat.send("kolko struva")
    assert chat.last_text() == "Услугите в центъра са безплатни."


async def test_referral_answer_has_the_guide_button(chat: Chat) -> None:
    await chat.send("napravlenie")
    assert "направление" in chat.last_text()
    assert ("📄 Направление от ДСП", "ref:start") in chat.buttons()


async def test_documents_answer_gives_the_phone(chat: Chat) -> None:
    await chat.send("Какво да нося?")
    assert "0373 9 10 76" in chat.last_text()
    assert "лична карта" not in chat.last_text().lower()


async def test_who_answer(chat: Chat) -> None:
    await chat.send("Може ли да дойда с детето?")
    assert "Деца до 18 години" in chat.last_text()
    assert "info:groups:1" in chat.callback_data("info:")


async def test_booking_answer(chat: Chat) -> None:
    await chat.send("Искам да запиша час")
    assert "book:start" in chat.callback_data("book:")


def test_every_faq_answer_key_is_known(content: Any) -> None:
    not_understood = faq_answer("nope", content)
    for entry in content.faq:
        assert faq_answer(entry.answer, content) != not_understood, entry.key


async def test_unknown_text_is_answered_kindly(chat: Chat) -> None:
    await chat.send("Здравейте, аз съм Мария")
    assert "Не успях да разбера" in chat.last_text()
    assert "0373 9 10 76" in chat.last_text()
    labels = [label for label, _ in chat.last().buttons()]
    assert "📋 Услуги" in labels


def _phrase_by_phrase(text: str, entries: list[tuple[str, list[str]]]) -> str | None:
    """The FAQ read the slow way: every keyword checked against the whole text."""
    text_tokens = tokens(text)
    best: tuple[int, str] | None = None
    for key, keywords in entries:
        score = sum(len(tokens(k)) for k in keywords if phrase_in(k, text_tokens, fuzzy=True))
        if score and (best is None or score > best[0]):
            best = (score, key)
    return best[1] if best else None


def test_index_reads_as_phrase_by_phrase(content: Any) -> None:
    """The kept index picks what checking each keyword in turn would pick, for any text."""
    entries = [(f.answer, list(f.keywords)) for f in content.faq]
    index = KeywordIndex(entries)
    words = [t for keywords in (e[1] for e in entries) for k in keywords for t in k.split()]
    texts = [text for text, _ in CASES] + [
        " ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(0, len(words), 3)
    ]
    texts += [t[:-1] + "я" for t in texts if len(t) > 5]  # typos at the end of a word
    for text in texts:
        assert index.best(text) == _phrase_by_phrase(text, entries), text
