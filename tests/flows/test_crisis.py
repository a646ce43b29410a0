"""Crisis help: numbers first, in every state, for every user, in both scripts.

The big hand-written sets and their figures are in tests/understanding/; here: the phrases
the issue names, each category's answer, and the answer in every state a chat can be in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.answers import crisis_text
from bot.text import crisis_category, is_crisis, read
from tests.chat import Chat

# Monday 23 November 2026, 08:00 in Sofia.
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)

# Every phrase the issue lists as missed, with the category it must get.
ISSUE_PHRASES = [
    ("мъжът ми ме удари", "violence"),
    ("удари ме", "violence"),
    ("пребиха ме", "violence"),
    ("биха ме", "violence"),
    ("ме насилва", "violence"),
    ("ще ме убие", "violence"),
    ("shte me ubie", "violence"),
    ("заплаши ме", "violence"),
    ("искам да се убия", "suicide"),
    ("iskam da se ubiq", "suicide"),
    ("не ми се живее", "suicide"),
    ("режа се", "suicide"),
    ("детето ми е изчезнало", "missing"),
    ("детето ми избяга", "missing"),
    ("детето ми изчезна", "missing"),
    ("страх ме е", "danger"),
    ("помощ", "danger"),
    ("помогнете ми", "danger"),
    ("pomosht", "danger"),
    ("спешно", "danger"),
    ("SOS", "danger"),
    ("спешно е", "danger"),
    ("страх ме е за живота си", "danger"),
    ("изнасилиха ме", "sexual"),
]

NOT_CRISIS = [
    "умирам от смях",
    "убиха ме тези опашки",
    "бие ме токът",
    "детето ми се бие в училище — какво да правим",
    "Колко струва консултацията?",
    "Детето ми бие барабани в оркестъра",
    "Бие ли звънецът в осем?",
    "Самоуверено дете",
    "Пребивавам в Харманли",
    "благодаря за помощта",
    "пиша ви защото имам много въпроси",
    "Is it free?",
]


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.mark.parametrize(("text", "category"), ISSUE_PHRASES)
def test_the_issue_phrases_get_their_category(text: str, category: str) -> None:
    assert is_crisis(text), text
    assert crisis_category(text) == category, text


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_innocent_senses_are_not_a_crisis(text: str) -> None:
    assert not is_crisis(text)


def test_numbers_come_first(content: Any) -> None:
    text = crisis_text(content)
    first_line = text.splitlines()[0]
    assert "112" in first_line
    assert text.index("116 111") < text.index("0373 9 10 76")
    assert "безплатно, денонощно и анонимно." in text
    assert "Не сте сами" in text
    assert "?" not in text  # no questions before (or after) the numbers


def test_each_category_has_its_first_line_and_numbers(content: Any) -> None:
    missing = crisis_text(content, ("missing",))
    assert "изчезнало дете" in missing.splitlines()[0]
    assert "116 000" in missing and "116 111" in missing
    assert missing.index("116 000") < missing.index("0373 9 10 76")
    suicide = crisis_text(content, ("suicide",))
    assert "живота си" in suicide.splitlines()[0] and "116 111" in suicide
    home = crisis_text(content, ("violence",), home=True)
    assert "0800 11 977" in home
    assert "0800 11 977" not in crisis_text(content, ("violence",), home=False)
    first_lines = {crisis_text(content, (c,)).splitlines()[0] for c in ("suicide", "missing")}
    assert len(first_lines) == 2


def test_violence_at_home_adds_the_domestic_violence_line(content: Any) -> None:
    reading = read("мъжът ми ме бие")
    assert reading.crisis == ("violence",) and reading.home
    assert "0800 11 977" in crisis_text(content, reading.crisis, home=reading.home)


@pytest.mark.parametrize("text", ["Бие ме", "samoubiistvo", "iskam da umra", "SOS"])
async def test_crisis_answer_in_chat(chat: Chat, text: str) -> None:
    await chat.send(text)
    replies = chat.replies()
    assert len(replies) == 1
    assert replies[0].text.startswith("🆘")
    assert "112" in replies[0].text and "116 111" in replies[0].text


async def test_missing_child_gets_116_000(chat: Chat) -> None:
    await chat.send("детето ми изчезна")
    assert "116 000" in chat.last_text()
    assert "изчезнало дете" in chat.last_text().splitlines()[0]


async def test_an_informational_mention_is_answered_beyond_the_numbers(chat: Chat) -> None:
    await chat.send("имате ли програма срещу тормоз в училище")
    text = chat.last_text()
    assert "112" in text and "Ако питате за услугите ни" in text
    assert "info:services" in chat.callback_data("info:")


async def test_a_crisis_with_a_question_answers_both(chat: Chat) -> None:
    await chat.send("детето ми избяга, трябва ли направление")
    text = chat.last_text()
    assert text.startswith("🆘") and "116 000" in text and "направление" in text


@pytest.mark.parametrize("text", ["Колко струва консултацията?", "Детето ми бие барабани"])
async def test_no_crisis_answer_for_look_alikes(chat: Chat, text: str) -> None:
    await chat.send(text)
    assert "116 111" not in chat.reply_texts()


async def test_an_innocent_sense_in_doubt_gets_the_answer_and_one_line(chat: Chat) -> None:
    await chat.send("детето ми се бие в училище — какво да правим")
    text = chat.last_text()
    assert not text.startswith("🆘")
    assert "училище" in text  # the school answer
    assert text.splitlines()[-1].startswith("При опасност: 112")


async def test_emergency_button_shows_the_numbers(chat: Chat, content: Any) -> None:
    await chat.send("/start")
    await chat.press("Спешна помощ")
    assert chat.last_text() == crisis_text(content, ("danger",), home=True)
    assert "0800 11 977" in chat.last_text()


async def test_crisis_before_start(chat: Chat) -> None:
    """The very first message, before /start."""
    await chat.send("помогнете ми")
    assert chat.last_text().startswith("🆘")


async def test_crisis_in_a_photo_caption(chat: Chat) -> None:
    from bot.updates import make_message

    update = make_message(
        chat.app.bot,
        chat.user_id,
        None,
        caption="бие ме",
        photo=[_photo()],  # type: ignore[arg-type]
    )
    await chat._process(update)
    assert "116 111" in chat.reply_texts()


def _photo() -> dict[str, Any]:
    return {"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}


async def test_crisis_inside_a_conversation_keeps_its_state(chat: Chat) -> None:
    """A conversation waiting for text: the crisis answer wins, then the step goes on."""
    seen: list[str] = []

    async def begin(update: Update, context: Any) -> int:
        await update.effective_message.reply_text("Как се казвате?")  # type: ignore[union-attr]
        return 1

    async def name(update: Update, context: Any) -> int:
        seen.append(update.effective_message.text or "")  # type: ignore[union-attr]
        await update.effective_message.reply_text("Благодарим Ви.")  # type: ignore[union-attr]
        return ConversationHandler.END

    conversation = ConversationHandler(
        entry_points=[CommandHandler("testconv", begin)],
        states={1: [MessageHandler(filters.TEXT & ~filters.COMMAND, name)]},
        fallbacks=[],
        name="test_conv",
    )
    chat.app.add_handler(conversation, group=0)
    chat.app.handlers[0].insert(0, chat.app.handlers[0].pop())  # before the fallback

    await chat.send("/testconv")
    assert chat.last_text() == "Как се казвате?"
    await chat.send("искам да умра")
    assert "116 111" in chat.last_text()
    assert seen == []  # the conversation did not take the crisis message
    await chat.send("Мария")
    assert seen == ["Мария"]
    assert chat.last_text() == "Благодарим Ви."


async def _to_note_step(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")


async def _to_name_step(chat: Chat) -> None:
    await _to_note_step(chat)
    await chat.tap("book:skip")
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize("step", ["note", "name", "phone", "topic"])
async def test_crisis_in_every_booking_step(chat: Chat, step: str) -> None:
    """Inside booking: the topic buttons, the note, the name and the phone step."""
    if step == "topic":
        await chat.send("📅 Запазете час")
    elif step == "note":
        await _to_note_step(chat)
    else:
        await _to_name_step(chat)
        if step == "phone":
            await chat.send("Мария")
    before = chat.last_text()
    await chat.send("мъжът ми ме удари")
    assert chat.last_text().startswith("🆘"), step
    assert "0800 11 977" in chat.last_text()
    assert chat.last_text() != before


async def test_crisis_in_an_edited_message(chat: Chat) -> None:
    from bot.updates import message_dict

    message = message_dict(chat.user_id, "бие ме", edit_date=1)
    update = Update.de_json({"update_id": 990001, "edited_message": message}, chat.app.bot)
    await chat._process(update)
    assert "116 111" in chat.reply_texts()


async def test_crisis_answer_in_groups_too(chat: Chat, app: Any) -> None:
    group = Chat(app, chat.fake, user_id=1002, chat_id=-100777)
    await group.send("помогнете, той ме бие")
    assert "116 111" in group.reply_texts()


async def test_not_understood_ends_with_the_emergency_number(chat: Chat) -> None:
    await chat.send("asdfgh qwerty")
    assert "Не успях да разбера" in chat.last_text()
    assert chat.last_text().splitlines()[-1] == "При опасност: 112"
