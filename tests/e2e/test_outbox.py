"""kill -9 of the real bot process while a notice is on its way: after the restart it arrives,
exactly once (the outbox row was written with the change; the send was never accepted)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from storage.db import Database
from storage.models import Appointment, Outbox
from tests.e2e.conftest import cop_admin
from tests.e2e.test_booking import choose_slot, give_details
from tests.emulator import Emulator, User, button
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess

pytestmark = pytest.mark.e2e

STAFF_ID = 5550101
# No limiter (quick), and a short lease: rows a killed process had claimed go out again
# after 3 s instead of 5 minutes.
FAST = {"RATE_LIMITER": "false", "OUTBOX_LEASE_SECONDS": "3"}
HELD = 20.0  # the emulator holds the killed process's request this long, then drops it


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/bot.sqlite3"


def _rows(db_url: str) -> list[Outbox]:
    db = Database(db_url)
    try:
        with db.session() as session:
            return list(session.exec(select(Outbox).order_by(col(Outbox.id))))
    finally:
        db.dispose()


def _appointments(db_url: str) -> list[Appointment]:
    db = Database(db_url)
    try:
        with db.session() as session:
            return list(session.exec(select(Appointment)))
    finally:
        db.dispose()


def _book(parent: User) -> None:
    parent.send("📅 Запазете час")
    choose_slot(parent)
    give_details(parent)
    parent.tap("book:confirm")
    parent.wait("Заявката Ви е изпратена")
    parent.wait("Изберете от менюто")  # the booking's last answer: nothing more is on its way


def _held(emulator: Emulator, method: str) -> None:
    emulator.wait_for(lambda: (method, "delay") in emulator.fault_log, 10, f"the {method}")


def _cards(emulator: Emulator) -> list[object]:
    return [
        e
        for e in emulator.chat_events(STAFF_CHAT_ID)
        if e.method == "sendMessage" and any(d and d.startswith("st:ok:") for _, d in e.buttons())
    ]


def test_kill_after_the_booking_commits_the_card_arrives_once(
    emulator: Emulator, start_bot: Callable[..., BotProcess], db_url: str
) -> None:
    bot = start_bot(database_url=db_url, **FAST)
    parent = User(emulator, 7101)
    parent.send("/start")
    parent.wait("Здравейте")
    # The card's request reaches Telegram but is never accepted: the process dies meanwhile.
    emulator.fail("sendMessage", "delay", seconds=HELD, deliver=False, chat_id=STAFF_CHAT_ID)
    _book(parent)
    _held(emulator, "sendMessage")
    bot.kill()
    assert len(_appointments(db_url)) == 1 and _cards(emulator) == []

    start_bot(database_url=db_url, **FAST)
    staff = User(emulator, STAFF_ID, chat_id=STAFF_CHAT_ID, first_name="Петя")
    staff.wait(button("st:ok:"), timeout=20)
    emulator.wait_for(
        lambda: all(r.state == "sent" for r in _rows(db_url)), 10, "the outbox to drain"
    )
    assert len(_cards(emulator)) == 1


def test_kill_between_confirm_and_the_parents_message_it_arrives_once(
    emulator: Emulator, start_bot: Callable[..., BotProcess], db_url: str
) -> None:
    bot = start_bot(database_url=db_url, **FAST)
    cop_admin(emulator, db_url, "staff", "add", str(STAFF_ID), "--name", "Петя", "--role", "admin")
    staff = User(emulator, STAFF_ID, chat_id=STAFF_CHAT_ID, first_name="Петя")
    parent = User(emulator, 7102)
    parent.send("/start")
    parent.wait("Здравейте")
    _book(parent)
    card = staff.wait(button("st:ok:"), timeout=10)
    (ok,) = [d for _, d in card.buttons() if d and d.startswith("st:ok:")]

    parent.mark = emulator.seq
    emulator.fail("sendMessage", "delay", seconds=HELD, deliver=False, chat_id=parent.chat_id)
    staff.tap(ok, card.message_id)
    _held(emulator, "sendMessage")
    bot.kill()
    assert not [
        e for e in emulator.chat_events(parent.chat_id) if "Часът Ви е потвърден" in e.text
    ]

    start_bot(database_url=db_url, **FAST)
    parent.wait(lambda e: e.method == "sendDocument", timeout=20)
    emulator.wait_for(
        lambda: all(
            r.state in ("sent", "withdrawn") for r in _rows(db_url) if r.kind == "parent_notice"
        ),
        15,
        "the parent's messages",
    )
    confirmations = [
        e for e in emulator.chat_events(parent.chat_id) if "Часът Ви е потвърден" in e.text
    ]
    documents = [e for e in emulator.chat_events(parent.chat_id) if e.method == "sendDocument"]
    assert (len(confirmations), len(documents)) == (1, 1)
    # The card says so only now that Telegram took the parent's messages.
    staff.mark = 0
    staff.wait(lambda e: "Родителят е уведомен" in e.text, timeout=10)
