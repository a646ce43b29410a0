"""Parents' journeys against the real `cop-bot run` process, over HTTP.

One bot process serves this module; each test plays its own parent (a user id of its own),
so the tests stay independent and the module pays for one start-up.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_clean_log, cop_admin
from tests.emulator import Emulator, User
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess

pytestmark = pytest.mark.e2e


def test_start_shows_greeting_and_menu(module_emulator: Emulator, shared_bot: BotProcess) -> None:
    parent = User(module_emulator, 2001)
    parent.send("/start")
    greeting = parent.wait("Здравейте")
    assert "/privacy" in greeting.text
    assert "📅 Запазете час" in parent.reply_keyboard()
    assert "🆘 Спешна помощ" in parent.reply_keyboard()
    # the command menu was published at start-up
    assert any(
        [c["command"] for c in commands][:1] == ["start"]
        for commands in module_emulator.commands.values()
    )


def test_information_views_edit_in_place(
    module_emulator: Emulator, shared_bot: BotProcess
) -> None:
    parent = User(module_emulator, 2002)
    parent.send("/start")
    parent.wait("Здравейте")
    parent.press("За центъра")
    about = parent.wait("Харманли")
    assert about.buttons(), "the about view has navigation buttons"
    parent.press("Екипът")
    parent.wait_answered()
    edited = parent.wait(lambda e: e.method == "editMessageText")
    assert edited.message_id == about.message_id, "the view is edited in place"
    parent.press("Меню")
    parent.wait_answered()
    parent.send("☎️ Контакти")
    contacts = parent.wait("0888")
    assert "cop@harmanli.bg" in contacts.text


def test_referral_guide_ends_with_next_step(
    module_emulator: Emulator, shared_bot: BotProcess
) -> None:
    parent = User(module_emulator, 2003)
    parent.send("📄 Направление от ДСП")
    parent.wait("два начина")
    parent.press("Нужно ли ми е направление")
    parent.wait("Какво търсите")
    parent.press("Съвет или консултация")
    answer = parent.wait("Не Ви е нужно направление")
    assert any(data == "book:start" for _, data in answer.buttons())
    parent.tap("ref:q2")
    parent.wait("направление")
    parent.press("Не, нямам")
    need = parent.wait("предварителна оценка")
    assert "ДСП" in need.text


def test_crisis_words_answer_first_even_in_latin(
    module_emulator: Emulator, shared_bot: BotProcess
) -> None:
    parent = User(module_emulator, 2004)
    parent.send("Здравейте, bie me")
    help_text = parent.wait("112").text
    assert "116 111" in help_text
    parent.send("🆘 Спешна помощ")
    assert "116 111" in parent.wait("112").text
    # an ordinary question does not trigger it
    parent.send("kude se namirate")
    answer = parent.wait()
    assert "116 111" not in answer.text
    assert "Дружба" in answer.text


def test_unknown_text_and_staff_group_silence(
    module_emulator: Emulator, shared_bot: BotProcess
) -> None:
    parent = User(module_emulator, 2006)
    parent.send("ъъъ ммм")
    assert parent.wait().text, "unknown text gets an answer, never silence"

    database_url = shared_bot.env["DATABASE_URL"]
    cop_admin(module_emulator, database_url, "staff", "add", "2008", "--name", "Петя")
    stranger = User(module_emulator, 2007, chat_id=STAFF_CHAT_ID)
    stranger.send("какво става тук")
    staff = User(module_emulator, 2008, chat_id=STAFF_CHAT_ID)
    staff.send("/pending")
    staff.wait()
    # One chat's updates are handled in order, so the stranger's came first: no answer.
    assert [e for e in stranger.new_events() if e.seq < staff.new_events()[0].seq] == []
    assert_clean_log(shared_bot, "ъъъ ммм", "какво става тук")
