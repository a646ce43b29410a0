""" "Направление от ДСП": the two ways in, and every path through the guide."""

from __future__ import annotations

from typing import Any

import pytest

from bot.flows.referral import BOOK
from tests.chat import Chat


def _data(chat: Chat) -> list[str]:
    return [d for _, d in chat.buttons() if d]


async def _open(chat: Chat) -> None:
    await chat.send("📄 Направление от ДСП")


async def test_overview_names_both_ways(chat: Chat) -> None:
    await _open(chat)
    text = chat.last_text()
    assert "без направление и без договор" in text
    assert "Дирекция „Социално подпомагане“ (ДСП)" in text
    assert "предварителна оценка на потребностите" in text
    assert _data(chat) == ["ref:general", "ref:special", "ref:q1", "menu:show"]


async def test_general_way_in_steps_with_booking(chat: Chat, content: Any) -> None:
    await _open(chat)
    await chat.tap("ref:general")
    text = chat.last_text()
    for n, step in enumerate(content.referral.general_steps, start=1):
        assert f"{n}. {step}" in text
    assert _data(chat) == [BOOK, "ref:start", "menu:show"]
    await chat.press("Назад")
    assert "Има два начина" in chat.last_text()


async def test_specialised_way_in_two_pages(chat: Chat, content: Any) -> None:
    await _open(chat)
    await chat.tap("ref:special")
    first = chat.last_text()
    assert "1. Обърнете се към Дирекция „Социално подпомагане“" in first
    assert "направление" in first and "Закрила на детето" in first
    assert _data(chat) == ["ref:special:2", "ref:start", "menu:show"]
    await chat.press("Още")
    second = chat.last_text()
    assert "3. " in second and "5. " in second and "договор" in second
    # documents are not confirmed: the phone, not a list
    assert "0373 9 10 76" in second and "лична карта" not in second.lower()
    # ДСП's address and hours are not in the content: not mentioned
    assert "Адрес:" not in second and "Работно време" not in second
    assert _data(chat) == ["ref:special", "menu:show"]
    await chat.press("Назад")
    assert first == chat.last_text()


async def test_guide_consultation_ends_with_booking(chat: Chat) -> None:
    await _open(chat)
    await chat.press("Нужно ли ми е направление")
    assert "Какво търсите?" in chat.last_text()
    assert _data(chat) == ["ref:a:consult", "ref:q2", "ref:a:unsure", "ref:start", "menu:show"]
    await chat.press("Съвет или консултация")
    assert "Не Ви е нужно направление" in chat.last_text()
    assert "запазите час сега" in chat.last_text()
    assert _data(chat) == [BOOK, "ref:q1", "menu:show"]


async def test_guide_unsure_suggests_a_consultation(chat: Chat) -> None:
    await _open(chat)
    await chat.tap("ref:q1")
    await chat.press("Не знам")
    assert "Започнете с консултация" in chat.last_text()
    assert "0373 9 10 76" in chat.last_text()
    assert BOOK in _data(chat)


async def test_guide_with_a_document(chat: Chat) -> None:
    await _open(chat)
    await chat.tap("ref:q1")
    await chat.press("Терапия")
    assert "Имате ли вече направление" in chat.last_text()
    assert _data(chat) == ["ref:a:have", "ref:a:need", "ref:q1", "menu:show"]
    await chat.press("Да, имам")
    text = chat.last_text()
    assert "Донесете документа" in text and "кв. „Дружба“ 7А" in text
    assert "договор" in text and "0373 9 10 76" in text
    await chat.press("Назад")
    assert "Имате ли вече направление" in chat.last_text()


async def test_guide_without_a_document_goes_to_dsp(chat: Chat) -> None:
    await _open(chat)
    await chat.tap("ref:q2")
    await chat.press("Не, нямам")
    text = chat.last_text()
    assert "предварителна оценка на потребностите" in text
    assert "по настоящия си адрес" in text
    assert "Адрес:" not in text  # ДСП's address is not in the content file
    assert _data(chat) == ["ref:special", BOOK, "ref:q2", "menu:show"]
    await chat.press("Стъпките подробно")
    assert "1. Обърнете се" in chat.last_text()


async def test_dsp_address_and_hours_shown_when_set(chat: Chat, services: Any) -> None:
    dsp = services.content.dsp.model_copy(
        update={"address": "ул. Примерна 1", "hours": "8:30–17:00"}
    )
    services.content = services.content.model_copy(update={"dsp": dsp})
    await _open(chat)
    await chat.tap("ref:a:need")
    assert "– Харманли\nАдрес: ул. Примерна 1" in chat.last_text()
    assert "Работно време: 8:30–17:00" in chat.last_text()
    await chat.tap("ref:special")
    assert "Адрес: ул. Примерна 1" in chat.last_text()


async def test_booking_button_is_answered(chat: Chat) -> None:
    await _open(chat)
    await chat.tap("ref:a:consult")
    await chat.tap(BOOK)
    assert chat.replies(), "the booking button must get an answer"


@pytest.mark.parametrize("data", ["ref:special:3", "ref:a:nope", "ref:q9", "ref:"])
async def test_forged_referral_buttons(chat: Chat, data: str) -> None:
    await _open(chat)
    await chat.tap(data)
    assert "по-старо съобщение" in chat.last_text()
