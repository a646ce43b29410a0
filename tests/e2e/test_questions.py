"""Ask a specialist over HTTP: the real `cop-bot run` process against the Bot API emulator.

A parent's question → the card in the staff group → a staff member's Telegram reply to the
card → the parent reads "Отговор от …"; the bot is killed (kill -9) between the question
and the answer and the answer still arrives after the restart. Nothing of the texts is logged.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import QuestionCard
from tests.e2e.conftest import assert_clean_log, cop_admin
from tests.emulator import Emulator, User
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess

pytestmark = pytest.mark.e2e


def _card_recorded(database_url: str) -> bool:
    database = Database(database_url)
    try:
        with database.read() as session:
            return session.exec(select(QuestionCard)).first() is not None
    finally:
        database.dispose()


QUESTION = "Може ли да дойда с детето си в 16 ч.?"
ANSWER = "Да, заповядайте."


def test_question_card_reply_answer_across_a_restart(
    emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    bot = start_bot()
    database_url = bot.env["DATABASE_URL"]
    cop_admin(emulator, database_url, "staff", "add", "5501", "--name", "Ива Иванова")
    staff = User(emulator, 5501, chat_id=STAFF_CHAT_ID, first_name="Ива")
    parent = User(emulator, 5001)
    parent.send("💬 Въпрос към специалист")
    parent.wait("Съгласни ли сте")
    parent.tap("ask:consent:yes")
    parent.wait("Напишете въпроса си")
    parent.send(QUESTION)
    parent.wait("Въпросът е изпратен")
    card = staff.wait(lambda e: "Въпрос №" in e.text and QUESTION in e.text, timeout=10)
    assert card.message_id is not None

    # The card's message id is written right after Telegram took the card (until the
    # outbox sends it, a kill -9 in between loses that link): wait for it, then crash.
    emulator.wait_for(lambda: _card_recorded(database_url), 5, "the card's record")
    bot.kill()  # kill -9 between the question and the answer
    bot = start_bot()
    staff.mark = emulator.seq
    emulator.user_message(
        staff.user_id,
        STAFF_CHAT_ID,
        text=ANSWER,
        reply_to_message=emulator.chat(STAFF_CHAT_ID).messages[card.message_id],
    )
    answer = parent.wait("Отговор от", timeout=10)
    assert answer.text == f"Отговор от Ива, ЦОП Харманли:\n\n{ANSWER}"
    edited = staff.wait(lambda e: e.method == "editMessageText" and "Отговори Ива" in e.text)
    assert edited.message_id == card.message_id
    bot.assert_alive()
    assert_clean_log(bot, QUESTION, ANSWER)
