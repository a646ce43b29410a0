"""Ask a specialist: the parent's question → the staff card → the answer → the parent."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import select

from admin.questions import raise_unanswered
from admin.telegram.outbox import dispatch
from bot.app import build_application
from bot.fakeapi import Call, FakeBotAPI
from bot.services import Services
from storage import questions
from storage.models import OpeningHours, Outbox, Question, QuestionMessage
from storage.rules import mark_hours_set
from tests.admin.conftest import PARENT_ID, SOFIA, STAFF_CHAT, STAFF_ID
from tests.chat import Chat

QUESTION = "Може ли да дойда с детето си на 16?"


async def raised(app: Any, services: Services) -> int:
    """The job's run: raise what is due, then send the outbox."""
    count = raise_unanswered(services)
    await dispatch(app.bot, services)
    return count


def staff_messages(fake: FakeBotAPI) -> list[Call]:
    return fake.sent("sendMessage", STAFF_CHAT)


def card_of(fake: FakeBotAPI, question_id: int) -> Call:
    for call in staff_messages(fake):
        if f"Въпрос №{question_id} ·" in call.text:
            return call
    raise AssertionError("no card")


def edits_of(fake: FakeBotAPI, message_id: int) -> list[Call]:
    return [c for c in fake.sent("editMessageText") if c.message_id == message_id]


def only_question(services: Services) -> questions.QuestionView:
    asked = questions.of_parent(services.db, PARENT_ID)
    assert len(asked) == 1
    return asked[0]


async def ask(parent: Chat, text: str = QUESTION) -> None:
    await parent.send("💬 Въпрос към специалист")
    if parent.callback_data("ask:consent:yes"):
        assert "Съгласни ли сте" in parent.last_text()
        await parent.tap("ask:consent:yes")
    assert "Напишете въпроса си" in parent.last_text()
    await parent.send(text)


async def test_question_card_reply_answer_reaches_parent(
    services: Services, fake_api: FakeBotAPI, parent_chat: Chat, admin_chat: Chat,
    staff_chat: Chat,
) -> None:  # fmt: skip
    await parent_chat.send("💬 Въпрос към специалист")
    note = parent_chat.last_text()
    assert "обикновено до един работен ден" in note and "112" in note
    await parent_chat.tap("ask:consent:yes")
    await parent_chat.send(QUESTION)
    sent = parent_chat.reply_texts()
    assert "Въпросът е изпратен" in sent and "до един работен ден" in sent
    question = only_question(services)
    card = card_of(fake_api, question.id)
    assert "Мария" in card.text and "български" in card.text and QUESTION in card.text
    assert "Чака от 23.11, 08:00" in card.text
    assert ("✍️ Отговорете", f"st:qa:{question.id}") in card.buttons()

    assert card.message_id is not None
    await admin_chat.reply("Да, заповядайте в 16:00.", card.message_id)
    answer = parent_chat.last()
    assert answer.text == "Отговор от Ива, ЦОП Харманли:\n\nДа, заповядайте в 16:00."
    assert ("↩️ Отговорете", f"ask:add:{question.id}") in answer.buttons()
    assert "изпратен на родителя" in staff_messages(fake_api)[-1].text
    edited = edits_of(fake_api, card.message_id)[-1]
    assert "✅ Отговори Ива" in edited.text
    assert f"st:qa:{question.id}" not in [d for _, d in edited.buttons()]
    assert only_question(services).status == "answered"

    # A second staff member sees who answered; nothing more reaches the parent.
    seen = len(fake_api.sent("sendMessage", PARENT_ID))
    await staff_chat.tap(f"st:qa:{question.id}", message_id=card.message_id)
    alert = fake_api.sent("answerCallbackQuery")[-1].params.get("text") or ""
    assert "вече отговори Ива" in alert
    await staff_chat.reply("И аз отговарям", card.message_id)
    assert "вече отговори Ива" in staff_chat.last_text()
    assert len(fake_api.sent("sendMessage", PARENT_ID)) == seen


async def test_button_answer(
    services: Services, fake_api: FakeBotAPI, parent_chat: Chat, staff_chat: Chat
) -> None:
    await ask(parent_chat)
    question = only_question(services)
    card = card_of(fake_api, question.id)
    await staff_chat.tap(f"st:qa:{question.id}", message_id=card.message_id)
    prompt = staff_chat.last()
    assert ", напишете отговора на въпрос" in prompt.text
    assert prompt.params["reply_markup"]["force_reply"] is True
    assert prompt.message_id is not None
    await staff_chat.reply("Донесете личната си карта.", prompt.message_id)
    expected = "Отговор от Петър, ЦОП Харманли:\n\nДонесете личната си карта."
    assert parent_chat.last_text() == expected
    assert only_question(services).answered_by == "Петър"


async def test_reply_from_someone_not_staff_is_ignored(
    services: Services, fake_api: FakeBotAPI, app: Any, parent_chat: Chat, team: None
) -> None:
    await ask(parent_chat)
    question = only_question(services)
    card = card_of(fake_api, question.id)
    stranger = Chat(app, fake_api, user_id=777, chat_id=STAFF_CHAT)
    before = len(fake_api.calls)
    assert card.message_id is not None
    await stranger.reply("Аз ще отговоря", card.message_id)
    assert [c.method for c in fake_api.calls[before:]] == []
    assert only_question(services).status == "open"


async def test_crisis_question_gets_the_numbers_first_and_a_sos_card(
    services: Services, fake_api: FakeBotAPI, parent_chat: Chat, team: None
) -> None:
    await parent_chat.send("💬 Въпрос към специалист")
    await parent_chat.tap("ask:consent:yes")
    replies = await parent_chat.send("Мъжът ми ме бие, какво да правя с децата?")
    texts = [c.text for c in replies if c.chat_id == PARENT_ID]
    assert "112" in texts[0] and "116 111" in texts[0]
    assert "Въпросът е изпратен" in texts[1]
    question = only_question(services)
    assert question.crisis
    assert card_of(fake_api, question.id).text.startswith("🆘")


async def test_crisis_words_added_to_the_thread_still_reach_staff(
    services: Services, fake_api: FakeBotAPI, parent_chat: Chat, team: None
) -> None:
    await ask(parent_chat)
    replies = await parent_chat.send("Страх ме е, той ме заплашва")
    texts = [c.text for c in replies if c.chat_id == PARENT_ID]
    assert "112" in texts[0] and "Предадох го" in texts[1]
    assert only_question(services).crisis
    assert staff_messages(fake_api)[-1].text.startswith("🆘")


async def test_parent_adds_to_the_thread_and_replies_to_the_answer(
    services: Services, fake_api: FakeBotAPI, parent_chat: Chat, admin_chat: Chat
) -> None:
    await ask(parent_chat)
    await parent_chat.send("Детето е на 10 години.")
    assert "Предадох го" in parent_chat.last_text()
    question = only_question(services)
    card = card_of(fake_api, question.id)
    follow = staff_messages(fake_api)[-1]
    assert "➕ Мария добави" in follow.text and "Детето е на 10 години." in follow.text
    assert follow.params["reply_parameters"]["message_id"] == card.message_id
    await parent_chat.tap("ask:done")

    assert follow.message_id is not None
    await admin_chat.reply("Елате в сряда.", follow.message_id)  # a reply to the follow-up
    answer = parent_chat.last()
    assert "Елате в сряда." in answer.text

    await parent_chat.press("Отговорете")
    await parent_chat.send("Благодаря, ще дойдем.")
    assert only_question(services).status == "open"
    assert "↩️ Мария отговори" in staff_messages(fake_api)[-1].text
    assert card.message_id is not None
    assert "Родителят писа отново" in edits_of(fake_api, card.message_id)[-1].text
    await parent_chat.tap("ask:done")

    # A Telegram reply to the answer goes on the thread as well.
    assert answer.message_id is not None
    await parent_chat.reply("И още нещо.", answer.message_id)
    assert "Предадох го" in parent_chat.last_text()
    assert only_question(services).lines[-1].text == "И още нещо."


async def test_photo_question_reaches_staff(
    services: Services, fake_api: FakeBotAPI, parent_chat: Chat, team: None
) -> None:
    await parent_chat.send("💬 Въпрос към специалист")
    await parent_chat.tap("ask:consent:yes")
    await parent_chat.send_photo("Това писмо от училището получихме.")
    question = only_question(services)
    assert question.lines[0].file_kind == "photo"
    photo = fake_api.sent("sendPhoto", STAFF_CHAT)[-1]
    assert photo.params["photo"] == "photo-big"
    assert "📎 снимка" in card_of(fake_api, question.id).text


async def test_long_question_is_refused_kindly(parent_chat: Chat, services: Services) -> None:
    await parent_chat.send("💬 Въпрос към специалист")
    await parent_chat.tap("ask:consent:yes")
    await parent_chat.send("а" * 2001)
    assert "2001 знака" in parent_chat.last_text()
    assert questions.of_parent(services.db, PARENT_ID) == []


async def test_forget_removes_the_thread(
    services: Services, fake_api: FakeBotAPI, parent_chat: Chat, admin_chat: Chat
) -> None:
    await ask(parent_chat)
    await parent_chat.send("Детето е на 10.")
    await parent_chat.tap("ask:done")
    question = only_question(services)
    card = card_of(fake_api, question.id)
    await parent_chat.send("/mydata")
    assert "Въпроси към специалист" in parent_chat.last_text()
    assert QUESTION in parent_chat.last_text()
    await parent_chat.send("/forget")
    assert "въпросите" in parent_chat.last_text()
    await parent_chat.tap("data:forget:yes")
    assert questions.of_parent(services.db, PARENT_ID) == []
    with services.db.read() as session:
        assert session.exec(select(QuestionMessage)).all() == []
        (stub,) = session.exec(select(Question)).all()
        assert (stub.parent_id, stub.first_name, stub.status) == (None, None, "closed")
        texts = [row.text or "" for row in session.exec(select(Outbox)).all()]
    assert not any(QUESTION in t or "Детето е на 10." in t for t in texts)
    # The staff card no longer shows the question.
    assert card.message_id is not None
    assert edits_of(fake_api, card.message_id)[-1].text == (
        f"🗑 Въпрос №{question.id}: родителят изтри данните си."
    )
    # A late reply to the card reaches nobody.
    await admin_chat.reply("Отговор", card.message_id)
    assert "затворен" in staff_messages(fake_api)[-1].text


async def test_open_questions_limit(services: Services, parent_chat: Chat, team: None) -> None:
    for n in range(questions.MAX_OPEN):
        await ask(parent_chat, f"Въпрос {n}")
        await parent_chat.tap("ask:done")
    await parent_chat.send("💬 Въпрос към специалист")
    assert "чакат отговор" in parent_chat.last_text()
    assert services.content.contacts.main_phone.display in parent_chat.last_text()


async def test_questions_list_and_close_with_note(
    services: Services, fake_api: FakeBotAPI, app: Any, admin_chat: Chat, team: None
) -> None:
    first = Chat(app, fake_api, user_id=PARENT_ID)
    second = Chat(app, fake_api, user_id=1002)
    await ask(first, "Първи въпрос")
    await ask(second, "Втори въпрос")
    await admin_chat.send("/questions")
    listing = admin_chat.last_text()
    assert listing.index("Първи въпрос") < listing.index("Втори въпрос")

    question = only_question(services)
    card = card_of(fake_api, question.id)
    await admin_chat.tap(f"st:qx:{question.id}", message_id=card.message_id)
    prompt = admin_chat.last()
    assert "бележка" in prompt.text and prompt.message_id is not None
    before = len(fake_api.sent("sendMessage", PARENT_ID))
    await admin_chat.reply("Отговорих по телефона.", prompt.message_id)
    assert only_question(services).status == "closed"
    assert len(fake_api.sent("sendMessage", PARENT_ID)) == before
    assert card.message_id is not None
    edited = edits_of(fake_api, card.message_id)[-1].text
    assert "🔒 Затворен: Ива" in edited and "Отговорих по телефона." in edited

    await admin_chat.send("/questions")
    assert "Първи въпрос" not in admin_chat.last_text()


async def test_questions_command_refuses_parents(parent_chat: Chat) -> None:
    await parent_chat.send("/questions")
    assert "Не успях да разбера" in parent_chat.last_text()


async def test_unanswered_question_is_raised_after_one_working_day(
    services: Services, fake_api: FakeBotAPI, app: Any, parent_chat: Chat, team: None,
    clock: Any,
) -> None:  # fmt: skip
    await ask(parent_chat)
    assert await raised(app, services) == 0
    clock.move_to(datetime(2026, 11, 24, 8, 1, tzinfo=SOFIA))  # Tuesday, a day later
    assert await raised(app, services) == 1
    assert "⏰ Въпрос №" in staff_messages(fake_api)[-1].text
    assert await raised(app, services) == 0  # once per working day


async def test_friday_evening_question_is_raised_on_monday(
    services: Services, app: Any, parent_chat: Chat, team: None, clock: Any
) -> None:
    clock.move_to(datetime(2026, 11, 27, 18, 0, tzinfo=SOFIA))  # Friday evening
    await ask(parent_chat)
    clock.move_to(datetime(2026, 11, 29, 19, 0, tzinfo=SOFIA))  # Sunday
    assert await raised(app, services) == 0
    clock.move_to(datetime(2026, 11, 30, 18, 1, tzinfo=SOFIA))  # Monday evening
    assert await raised(app, services) == 1


def _hours_set(services: Services) -> None:
    """Monday to Friday 09:00–17:00, set by the centre."""
    with services.db.session() as session:
        for day in range(5):
            session.add(OpeningHours(weekday=day, opens=time(9), closes=time(17)))
        mark_hours_set(session)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 23, 10, 0, tzinfo=SOFIA), "тук днес"),  # Monday morning
        (datetime(2026, 11, 23, 20, 0, tzinfo=SOFIA), "тук във вторник"),  # Monday evening
        (datetime(2026, 11, 27, 18, 0, tzinfo=SOFIA), "тук в понеделник"),  # Friday evening
        (datetime(2026, 11, 28, 11, 0, tzinfo=SOFIA), "тук в понеделник"),  # Saturday
    ],
)
async def test_when_to_expect_the_answer(
    services: Services, parent_chat: Chat, team: None, clock: Any,
    moment: datetime, expected: str,
) -> None:  # fmt: skip
    _hours_set(services)
    clock.move_to(moment)
    await ask(parent_chat)
    assert expected in parent_chat.last_text()


async def test_hours_not_set_by_the_centre_say_one_working_day(
    services: Services, parent_chat: Chat, team: None, clock: Any
) -> None:
    with services.db.session() as session:  # hours in the table, but not set by the centre
        session.add(OpeningHours(weekday=0, opens=time(9), closes=time(17)))
    clock.move_to(datetime(2026, 11, 27, 18, 0, tzinfo=SOFIA))
    await ask(parent_chat)
    assert "до един работен ден" in parent_chat.last_text()


async def test_restart_between_question_and_answer(
    settings: Any, services: Services, fake_api: FakeBotAPI, parent_chat: Chat, team: None
) -> None:
    await ask(parent_chat)
    question = only_question(services)
    card = card_of(fake_api, question.id)
    await parent_chat.app.stop()
    await parent_chat.app.shutdown()

    fresh_api = FakeBotAPI()
    fresh_services = Services.from_settings(settings)
    application = build_application(settings, request=fresh_api, services=fresh_services)
    async with application:
        await application.start()
        parent = Chat(application, fresh_api, user_id=PARENT_ID)
        await parent.send("Забравих да кажа: детето е на 10.")  # still adding after the restart
        assert "Предадох го" in parent.last_text()
        staff = Chat(application, fresh_api, user_id=STAFF_ID, chat_id=STAFF_CHAT)
        assert card.message_id is not None
        await staff.reply("Заповядайте утре.", card.message_id)
        assert parent.last_text() == "Отговор от Петър, ЦОП Харманли:\n\nЗаповядайте утре."
        await application.stop()
    await parent_chat.app.initialize()  # the fixture stops and shuts it down again
    await parent_chat.app.start()
    fresh_services.db.dispose()


def test_retention_removes_old_questions(services: Services) -> None:
    from admin.retention import anonymise_old
    from storage import parents

    now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    parents.record_consent(services.db, telegram_user_id=PARENT_ID, chat_id=PARENT_ID, now=now)
    questions.ask(
        services.db, telegram_user_id=PARENT_ID, chat_id=PARENT_ID, first_name="Мария",
        language="bg", text=QUESTION, now=now,
    )  # fmt: skip
    anonymise_old(services.db, now + timedelta(days=10), retention_days=30)
    assert len(questions.of_parent(services.db, PARENT_ID)) == 1
    anonymise_old(services.db, now + timedelta(days=31), retention_days=30)
    assert questions.of_parent(services.db, PARENT_ID) == []


async def test_not_understood_and_faq_answers_offer_a_question(parent_chat: Chat) -> None:
    await parent_chat.send("ъъъ ммм")
    assert "💬 Въпрос към специалист" in parent_chat.last_text()
    assert "💬 Въпрос към специалист" in [label for label, _ in parent_chat.last().buttons()]
    await parent_chat.send("Трябва ли ми направление?")
    assert ("💬 Въпрос към специалист", "ask:start") in parent_chat.last().buttons()
    await parent_chat.tap("ask:start")
    assert "Съгласни ли сте" in parent_chat.last_text()


async def test_a_step_left_open_past_the_timeout_does_not_take_later_text(
    services: Services, fake_api: FakeBotAPI, parent_chat: Chat, team: None, clock: Any
) -> None:
    await ask(parent_chat)  # the parent never presses "Готово"
    clock.move_to(datetime(2026, 11, 23, 12, 0, tzinfo=SOFIA))  # the bot restarted meanwhile
    await parent_chat.send("Колко струва консултацията?")
    assert "безплатни" in parent_chat.last_text()
    assert len(only_question(services).lines) == 1
    replies = await parent_chat.send("Мъжът ми ме бие")
    assert next(c.text for c in replies if c.chat_id == PARENT_ID).startswith("🆘")
    assert len([c for c in replies if c.chat_id == PARENT_ID]) == 1  # the numbers only
    assert len(only_question(services).lines) == 1


async def test_rows_written_before_a_crash_are_sent_by_the_next_process(
    services: Services, fake_api: FakeBotAPI, app: Any, team: None
) -> None:
    """The question and the answer commit with their outbox rows; nothing was sent yet
    (the process died right after the commit). The next dispatcher sends them, once each."""
    from admin import questions as staff_side
    from storage import parents

    now = services.now()
    parents.record_consent(services.db, telegram_user_id=PARENT_ID, chat_id=PARENT_ID, now=now)
    view = questions.ask(
        services.db, telegram_user_id=PARENT_ID, chat_id=PARENT_ID, first_name="Мария",
        language="bg", text=QUESTION, now=now, announce=staff_side.announcer(services),
    )  # fmt: skip
    assert fake_api.sent("sendMessage") == []
    await dispatch(app.bot, services)
    card = card_of(fake_api, view.id)
    staff_side.answer(services, question_id=view.id, staff_user_id=STAFF_ID, text="Да.", now=now)
    await dispatch(app.bot, services)
    await dispatch(app.bot, services)
    to_parent = fake_api.sent("sendMessage", PARENT_ID)
    assert [c.text for c in to_parent] == ["Отговор от Петър, ЦОП Харманли:\n\nДа."]
    assert card.message_id is not None
    assert "✅ Отговори Петър" in edits_of(fake_api, card.message_id)[-1].text
    assert len([c for c in staff_messages(fake_api) if "Въпрос №" in c.text]) == 1
