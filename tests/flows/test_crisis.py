"""Crisis words: numbers first, in any state, in both scripts; no alarm on ordinary words."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.answers import crisis_text
from bot.text import is_crisis
from tests.chat import Chat

CRISIS = [
    "насилие",
    "Има насилие вкъщи",
    "Бие ме",
    "мъжът ми ме бие... бие ме всеки ден",
    "тормоз в училище",
    "Тормозят детето ми",
    "самоубийство",
    "искам да умра",
    "ИСКАМ ДА УМРА!!!",
    "ще се самоубия",
    "не искам да живея",
    "nasilie",
    "bie me",
    "samoubiistvo",
    "samoubijstvo",
    "iskam da umra",
    "Iskam da umra",
    "tormoz",
    "Мъжът ми ме бие",  # the subject first: "ме бие", not "бие ме"
    "tatko me bie",
    "Баща ни ни бие",
    "Мъжът ми бие децата",
    "Мъжът ми ме удря",
    "udrq me",
    "Самонаранявам се",
    "Детето ми изчезна",
    # English, for families who read the English catalog.
    "My husband beats me",
    "he hits me",
    "I want to die",
    "suicide",
    "I will kill myself",
    "domestic violence",
    "I was raped",
    "my child is bullied at school",
]

NOT_CRISIS = [
    "Колко струва консултацията?",
    "Къде се намирате?",
    "Детето ми бие барабани в оркестъра",
    "Бие ли звънецът в осем?",
    "Искам да дойда утре",
    "Искам да запиша час",
    "Умрях от смях",
    "Самоуверено дете",
    "торта за рожден ден",
    "насипно",
    "Пребивавам в Харманли",
    "kolko struva",
    "iskam da doida",
    "napravlenie",
    "Bieme",
    "Is it free?",
    "I want to book an appointment",
    "Where are you?",
    "What time do you open?",
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_words_match(text: str, content: Any) -> None:
    assert is_crisis(text, content.crisis.words)


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_look_alikes_do_not_match(text: str, content: Any) -> None:
    assert not is_crisis(text, content.crisis.words)


def test_numbers_come_first(content: Any) -> None:
    text = crisis_text(content)
    first_line = text.splitlines()[0]
    assert "112" in first_line
    assert text.index("116 111") < text.index("0373 9 10 76")
    assert "безплатно, денонощно и анонимно." in text
    assert "Не сте сами" in text
    assert "?" not in text  # no questions before (or after) the numbers


@pytest.mark.parametrize("text", ["Бие ме", "samoubiistvo", "iskam da umra"])
async def test_crisis_answer_in_chat(chat: Chat, text: str) -> None:
    await chat.send(text)
    replies = chat.replies()
    assert len(replies) == 1
    assert replies[0].text.startswith("🆘")
    assert "112" in replies[0].text and "116 111" in replies[0].text


@pytest.mark.parametrize("text", ["Колко струва консултацията?", "Детето ми бие барабани"])
async def test_no_crisis_answer_for_look_alikes(chat: Chat, text: str) -> None:
    await chat.send(text)
    assert "116 111" not in chat.reply_texts()


async def test_emergency_button_shows_the_same(chat: Chat, content: Any) -> None:
    await chat.send("/start")
    await chat.press("Спешна помощ")
    assert chat.last_text() == crisis_text(content)


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


async def test_crisis_in_an_edited_message(chat: Chat) -> None:
    from bot.updates import message_dict

    message = message_dict(chat.user_id, "бие ме", edit_date=1)
    update = Update.de_json({"update_id": 990001, "edited_message": message}, chat.app.bot)
    await chat._process(update)
    assert "116 111" in chat.reply_texts()


async def test_no_crisis_answer_in_groups(chat: Chat, app: Any) -> None:
    group = Chat(app, chat.fake, user_id=1002, chat_id=-100777)
    await group.send("насилие")
    assert "116 111" not in group.reply_texts()
