"""Free text: FAQ intents in Cyrillic, Latin, with typos, several in one message."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time
from typing import Any

import pytest
import time_machine

from admin import hours as hours_service
from bot.answers import INTENTS, Facts, faq_answer, not_understood_text
from bot.services import Services
from bot.text import intents_of, read
from tests.chat import Chat

# Monday 23 November 2026, 08:00 in Sofia.
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

CASES = [
    ("Къде се намирате?", "address"),
    ("kude se namirate", "address"),
    ("kyde ste", "address"),
    ("KADE SE NAMIRATE???", "address"),
    ("telefon", "phone"),
    ("4asove", "hours"),
    ("Какво е работното време", "hours"),
    ("kolko struva", "price"),
    ("Колко е цената?", "price"),
    ("napravlenie", "referral"),
    ("Трябва ли ми направлние", "referral"),  # a typo
    ("za kogo e centara", "who"),
    ("Kakvo da nosq", "documents"),
    ("Искам да запиша час", "booking"),
    ("iskam da zapisha 4as", "booking"),
    # The phrases the issue lists as falling through.
    ("здравейте", "greeting"),
    ("благодаря", "thanks"),
    ("имате ли психолог", "psychologist"),
    ("psiholog", "psychologist"),
    ("какви услуги предлагате", "services"),
    ("терапия за дете", "psychologist"),
    ("кой е директорът", "team"),
    ("какво е ЦОП", "about"),
    ("кога мога да дойда", "when"),
    ("мога ли да дойда днес", "when"),
    ("детето ми има проблеми в училище, какво да правя", "school"),
    ("искам да отменя часа си", "cancel"),
    ("моите часове", "my_bookings"),
    ("лични данни", "privacy"),
    # The bot speaks English too (refugee families at Харманли): the FAQ reads English.
    ("Where are you?", "address"),
    ("What is your phone number?", "phone"),
    ("What are your opening hours?", "hours"),
    ("How much does it cost?", "price"),
    ("Do I need a referral?", "referral"),
    ("What documents should I bring?", "documents"),
    ("I want to book an appointment", "booking"),
]


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(("text", "intent"), CASES)
def test_intents(text: str, intent: str) -> None:
    assert intents_of(text) == (intent,), text


def test_many_questions_is_not_booking() -> None:
    """The false match the issue names: "въпроси" is no booking; the bot invites them."""
    assert intents_of("пиша ви защото имам много въпроси") == ("question",)
    assert intents_of("имам въпрос за направлението") == ("referral",)


def test_several_intents_in_one_message() -> None:
    assert intents_of("здравейте, колко струва и къде се намирате") == (
        "greeting",
        "price",
        "address",
    )


def test_every_intent_of_the_rules_has_an_answer_key() -> None:
    from bot.text import understanding

    assert understanding().intents <= INTENTS


def test_every_intent_has_an_answer(content: Any) -> None:
    not_understood = not_understood_text(content)
    for key in INTENTS:
        assert faq_answer(key, content, Facts()).text != not_understood, key


async def test_several_answers_in_one_reply(chat: Chat) -> None:
    await chat.send("здравейте, колко струва и къде се намирате")
    text = chat.last_text()
    assert text.startswith("Здравейте!")
    assert "безплатни" in text and "кв. „Дружба“ 7А" in text


async def test_a_tie_asks_back_with_buttons(chat: Chat) -> None:
    reading = read("час")
    assert reading.choices and not reading.intents
    await chat.send("час")
    assert "Какво точно Ви интересува" in chat.last_text()
    choices = chat.callback_data("faq:")
    assert 2 <= len(choices) <= 3
    await chat.tap(choices[0])
    assert "Какво точно" not in chat.last_text()


async def test_contacts_answer(chat: Chat) -> None:
    await chat.send("kude se namirate")
    text = chat.last_text()
    assert "кв. „Дружба“ 7А" in text and "0373 9 10 76" in text and "cop@harmanli.bg" in text


async def test_assumed_hours_are_never_told_as_fact(chat: Chat) -> None:
    await chat.send("4asove")
    assert "Работното време ще Ви каже специалист на 0373 9 10 76" in chat.last_text()
    assert "09:00" not in chat.last_text()
    await chat.send("☎️ Контакти")
    assert "09:00" not in chat.last_text()
    assert "Работното време ще Ви каже специалист" in chat.last_text()


async def test_hours_set_by_staff_are_told(chat: Chat, services: Services) -> None:
    hours_service.set_hours(
        services.db, days=[0, 1, 2, 3, 4], spans=[(time(9), time(12)), (time(13), time(17))]
    )
    await chat.send("работно време")
    assert "Понеделник – петък: 09:00–12:00, 13:00–17:00" in chat.last_text()
    await chat.send("☎️ Контакти")
    assert "Понеделник – петък: 09:00–12:00, 13:00–17:00" in chat.last_text()


def test_confirm_hours_is_a_plain_service(services: Services) -> None:
    from storage.rules import rules_of

    assert not rules_of(services.db).hours_set
    assert hours_service.confirm_hours(services.db).hours_set
    assert rules_of(services.db).hours_set


@pytest.mark.usefixtures("clock")
async def test_when_can_i_come_gives_the_next_free_times(chat: Chat) -> None:
    await chat.send("мога ли да дойда днес")
    text = chat.last_text()
    assert "Най-близките свободни часове" in text
    assert "10:00" in text  # today from 10:00 (two hours ahead of 08:00)
    assert "book:start" in chat.callback_data("book:")


async def test_price_answer(chat: Chat) -> None:
    await chat.send("kolko struva")
    assert chat.last_text().startswith("Услугите в центъра са безплатни.")


async def test_referral_answer_has_the_guide_button(chat: Chat) -> None:
    await chat.send("napravlenie")
    assert "направление" in chat.last_text()
    assert ("📄 Направление от ДСП", "ref:start") in chat.buttons()


async def test_documents_answer_gives_the_phone(chat: Chat) -> None:
    await chat.send("Какво да нося?")
    assert "0373 9 10 76" in chat.last_text()
    assert "лична карта" not in chat.last_text().lower()


async def test_director_answer(chat: Chat) -> None:
    await chat.send("кой е директорът")
    assert "директор" in chat.last_text() and "0888 20 80 27" in chat.last_text()
    assert "info:team" in chat.callback_data("info:")


async def test_school_answer_says_what_the_centre_cannot(chat: Chat) -> None:
    await chat.send("детето ми заеква, имате ли логопед")
    assert "Логопед не е посочен" in chat.last_text()


async def test_booking_answer(chat: Chat) -> None:
    await chat.send("Искам да запиша час")
    assert "book:start" in chat.callback_data("book:")


async def test_unknown_text_is_answered_kindly(chat: Chat) -> None:
    await chat.send("Аз съм Мария, днес вали")
    assert "Не успях да разбера" in chat.last_text()
    assert "0373 9 10 76" in chat.last_text()
    assert chat.last_text().endswith("При опасност: 112")
    labels = [label for label, _ in chat.last().buttons()]
    assert "📋 Услуги" in labels


async def test_stale_faq_button(chat: Chat) -> None:
    await chat.tap("faq:nonsense")
    assert chat.replies() or chat.fake.calls
