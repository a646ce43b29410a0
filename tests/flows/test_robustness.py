"""Whatever arrives gets an answer (or a deliberate silence), and nothing crashes."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from bot.fakeapi import FakeBotAPI
from bot.updates import chat_dict, message_dict
from tests.chat import Chat

_update_ids = iter(range(880000, 890000))


def _update(chat: Chat, kind: str, payload: dict[str, Any]) -> Update:
    return Update.de_json({"update_id": next(_update_ids), kind: payload}, chat.app.bot)


def _no_apology(chat: Chat) -> None:
    assert "Съжаляваме, нещо се обърка" not in chat.reply_texts()


async def test_start_greets_with_menu_and_privacy_note(chat: Chat) -> None:
    await chat.send("/start")
    text = chat.last_text()
    assert "Здравейте" in text and "/privacy" in text
    labels = [label for label, _ in chat.last().buttons()]
    assert labels == [
        "📅 Запазете час",
        "🗓 Моите часове",
        "💬 Въпрос към специалист",
        "ℹ️ За центъра",
        "📋 Услуги",
        "📄 Направление от ДСП",
        "☎️ Контакти",
        "🆘 Спешна помощ",
        "🌐 Език / Language",
    ]


@pytest.mark.parametrize("command", ["/menu", "/help"])
async def test_menu_and_help_bring_the_menu(chat: Chat, command: str) -> None:
    await chat.send(command)
    assert chat.replies()
    assert "📋 Услуги" in [label for label, _ in chat.last().buttons()]


async def test_privacy_notice(chat: Chat) -> None:
    await chat.send("/privacy")
    text = chat.last_text()
    for part in ("Администратор", "Цел", "Срок", "Права", "КЗЛД", "kzld@cpdp.bg", "жалба"):
        assert part in text
    assert "cop@harmanli.bg" in text and "365 дни" in text


async def test_a_4096_character_message(chat: Chat) -> None:
    await chat.send("а" * 4096)
    assert "Не успях да разбера" in chat.last_text()
    _no_apology(chat)


async def test_a_long_message_with_a_question_in_it(chat: Chat) -> None:
    await chat.send(("Здравейте. " * 20 + "Колко струва? ")[:4096])
    assert "безплатни" in chat.last_text()


async def test_a_long_message_with_a_crisis_word_at_the_end(chat: Chat) -> None:
    await chat.send(("Здравейте. " * 400)[:4080] + " бие ме")
    assert "116 111" in chat.last_text()


@pytest.mark.parametrize("text", ["🙂", "👍👍👍", "❤️", "...", "?"])
async def test_emoji_or_punctuation_only(chat: Chat, text: str) -> None:
    await chat.send(text)
    assert "Не успях да разбера" in chat.last_text()


async def test_sticker(chat: Chat) -> None:
    sticker = {
        "file_id": "s1",
        "file_unique_id": "su1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await chat._process(_update(chat, "message", message_dict(chat.user_id, sticker=sticker)))
    assert "Не успях да разбера" in chat.last_text()


async def test_photo_without_caption(chat: Chat) -> None:
    photo = [{"file_id": "p1", "file_unique_id": "pu1", "width": 10, "height": 10}]
    await chat._process(_update(chat, "message", message_dict(chat.user_id, photo=photo)))
    assert "Не успях да разбера" in chat.last_text()


async def test_unknown_command(chat: Chat) -> None:
    await chat.send("/nosuchcommand")
    assert "Не успях да разбера" in chat.last_text()


async def test_forged_callback(chat: Chat, fake_api: FakeBotAPI) -> None:
    await chat.send("/start")
    await chat.tap("totally:forged:" + "x" * 40)
    assert "по-старо съобщение" in chat.last_text()
    answers = fake_api.sent("answerCallbackQuery")
    assert answers and answers[-1].params.get("text") == "Този бутон вече не е активен."


async def test_stale_button_from_an_old_message(chat: Chat) -> None:
    await chat.send("📋 Услуги")
    old = chat.last().message_id
    await chat.send("/start")
    await chat.tap("info:grp:general", message_id=old)
    assert "Общодостъпни услуги" in chat.last_text()  # old views still work, in place
    await chat.tap("st:confirm:1", message_id=old)  # a staff button in a parent's chat
    assert chat.new_calls()  # answered, one way or another
    _no_apology(chat)


async def test_expired_callback_query_still_shows_the_view(
    chat: Chat, fake_api: FakeBotAPI
) -> None:
    from bot.fakeapi import Fault

    await chat.send("📋 Услуги")
    fake_api.fail("answerCallbackQuery", Fault(400, "Bad Request: query is too old"))
    await chat.tap("info:grp:general")
    assert "Общодостъпни услуги" in chat.last_text()
    _no_apology(chat)


@pytest.mark.parametrize("language", ["de", "ru", None])
async def test_unsupported_language_falls_back_to_bulgarian(
    app: Any, fake_api: FakeBotAPI, language: str | None
) -> None:
    chat = Chat(app, fake_api, user_id=2002, language=language)
    await chat.send("/start")
    assert "Здравейте" in chat.last_text()
    await chat.send("ℹ️ За центъра")
    assert "Открит на" in chat.last_text()


async def test_edited_message_is_deliberately_silent(chat: Chat) -> None:
    message = message_dict(chat.user_id, "Колко струва?", edit_date=1)
    await chat._process(_update(chat, "edited_message", message))
    assert chat.new_calls() == []


async def test_channel_post_is_deliberately_silent(chat: Chat) -> None:
    post = {
        "message_id": 5,
        "date": 1,
        "chat": chat_dict(-100123, kind="channel"),
        "text": "Колко струва?",
    }
    await chat._process(_update(chat, "channel_post", post))
    assert chat.new_calls() == []


async def test_group_chatter_is_silent(app: Any, fake_api: FakeBotAPI) -> None:
    group = Chat(app, fake_api, user_id=1003, chat_id=-100999)
    await group.send("Колко струва?")
    assert group.replies() == []


@pytest.mark.parametrize("label", ["📅 Запазете час", "🗓 Моите часове"])
async def test_menu_buttons_of_other_flows_are_answered(chat: Chat, label: str) -> None:
    await chat.send(label)
    assert chat.replies()
    _no_apology(chat)


async def test_english_speakers_get_english(app: Any, fake_api: FakeBotAPI) -> None:
    chat = Chat(app, fake_api, user_id=2003, language="en-GB")
    await chat.send("/start")
    assert "Hello!" in chat.last_text()
    labels = [label for label, _ in chat.last().buttons()]
    assert "ℹ️ About the centre" in labels
    await chat.send("ℹ️ About the centre")
    assert "Opened on June 4, 2014" in chat.last_text()  # Babel, en
    await chat.send("bie me")  # crisis words are read the same in any language
    assert "116 111" in chat.last_text() and "free, around the clock" in chat.last_text()


async def test_cancel_with_nothing_in_progress(chat: Chat) -> None:
    """/help offers /cancel; with nothing to stop it says so, not "did not understand"."""
    await chat.send("/cancel")
    text = chat.last_text()
    assert "Не успях да разбера" not in text and "Няма започнато действие" in text
    assert chat.last().buttons()  # the menu comes back
