"""Whole journeys with bookings against the real bot process: the parent books, the staff
confirm, reminders arrive, the parent cancels; restarts and retried updates lose nothing
and book nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from storage import state
from storage.db import Database
from storage.models import Appointment, AppointmentStatus, Outbox
from storage.outbox import REMINDER_KINDS
from tests.e2e.conftest import assert_clean_log, cop_admin
from tests.emulator import Emulator, User, button
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess

pytestmark = pytest.mark.e2e

STAFF_ID = 5550001
PHONE = "+359888765432"
NAME = "Мария Петрова"
# The first journey runs as in production (rate limiter on: staff cards go out one per 3 s);
# the others switch it off to stay quick. Telegram's 429s are covered in test_faults.py.
NO_LIMITER = {"RATE_LIMITER": "false"}


def appointments(database_url: str) -> list[Appointment]:
    db = Database(database_url)
    try:
        with db.session() as session:
            return list(session.exec(select(Appointment).order_by(Appointment.id)))
    finally:
        db.dispose()


def choose_slot(parent: User) -> None:
    """In the booking conversation: first topic, no note, first day, first time."""
    parent.wait(button("book:topic:"))
    parent.tap(parent.callback_data("book:topic:")[0])
    parent.wait(button("book:skip"))
    parent.tap("book:skip")
    parent.wait(button("book:day:"))
    parent.tap(parent.callback_data("book:day:")[0])
    parent.wait(button("book:time:"))
    parent.tap(parent.callback_data("book:time:")[0])
    parent.wait(lambda e: bool(e.text))


def give_details(parent: User) -> None:
    """Consent (asked once per parent), name, phone by the contact button → the summary."""
    if parent.callback_data("book:consent:yes"):
        parent.tap("book:consent:yes")
        parent.wait(lambda e: bool(e.text))
    parent.send(NAME)
    parent.wait(lambda e: bool(e.text))
    parent.share_contact(PHONE)
    parent.wait(button("book:confirm"))


def persisted_booking(database_url: str, user_id: int) -> dict[str, object]:
    """The half-finished booking as the bot's persistence wrote it to the database."""
    db = Database(database_url)
    try:
        users = state.load_all(db, kind="user")
    finally:
        db.dispose()
    return dict((users.get(str(user_id)) or {}).get("booking") or {})


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/bot.sqlite3"


def test_book_confirm_remind_cancel(
    emulator: Emulator, start_bot: Callable[..., BotProcess], db_url: str
) -> None:
    bot = start_bot(database_url=db_url)
    cop_admin(emulator, db_url, "staff", "add", str(STAFF_ID), "--name", "Петя", "--role", "admin")
    staff = User(emulator, STAFF_ID, chat_id=STAFF_CHAT_ID, first_name="Петя")
    parent = User(emulator, 6001)

    # /start → the referral guide says no referral is needed → book from there.
    parent.send("/start")
    parent.wait("Здравейте")
    parent.press("Направление от ДСП")
    parent.wait("два начина")
    parent.press("Нужно ли ми е направление")
    parent.wait(button("ref:a:consult"))
    parent.tap("ref:a:consult")
    parent.wait(button("book:start"))
    parent.tap("book:start")
    choose_slot(parent)
    give_details(parent)
    parent.tap("book:confirm")
    parent.wait("Заявката Ви е изпратена")

    # The staff card arrives in the staff group; an admin confirms it there.
    card = staff.wait(button("st:ok:"))
    (ok,) = [d for _, d in card.buttons() if d and d.startswith("st:ok:")]
    appointment_id = int(ok.rsplit(":", 1)[1])
    staff.tap(ok, card.message_id)
    staff.wait(lambda e: e.method.startswith("edit") and e.message_id == card.message_id)
    parent.wait(lambda e: e.method == "sendDocument")  # the .ics with the confirmation
    assert any("потвърд" in t.lower() for t in parent.all_texts())

    # Staff send a reminder now; the parent can't come and cancels from it.
    staff.tap(f"st:open:{appointment_id}")
    # Behind the card's two edits (confirmed, then "Родителят е уведомен"): 3 s apart each.
    staff.wait(button(f"st:rem:{appointment_id}"), timeout=10)
    staff.tap(f"st:rem:{appointment_id}")
    reminder = parent.wait(button("rem:no:"), timeout=10)
    assert "Напомняне" in reminder.text
    parent.tap(f"rem:no:{appointment_id}", reminder.message_id)
    parent.wait(button("rem:nocf:"))
    parent.tap(f"rem:nocf:{appointment_id}")
    parent.wait(lambda e: bool(e.text))
    staff.wait(lambda e: bool(e.text))  # the staff chat hears of it

    (saved,) = appointments(db_url)
    emulator.wait_for(
        lambda: appointments(db_url)[0].status == AppointmentStatus.cancelled_by_parent,
        5,
        "the cancellation",
    )
    assert saved.id == appointment_id
    bot.assert_alive()
    assert_clean_log(bot, PHONE, NAME, "0888765432")


def test_restart_mid_booking_and_retried_confirmation(
    emulator: Emulator, start_bot: Callable[..., BotProcess], db_url: str
) -> None:
    bot = start_bot(database_url=db_url, **NO_LIMITER)
    parent = User(emulator, 6002)
    parent.send("/start")
    parent.wait("Здравейте")
    parent.press("Запазете час")
    choose_slot(parent)
    # Persistence writes about once a second: wait for the chosen time to be in the
    # database, then crash (kill -9: no shutdown, no flush).
    emulator.wait_for(lambda: "start" in persisted_booking(db_url, 6002), 5, "persistence")
    bot.kill()

    bot = start_bot(database_url=db_url, **NO_LIMITER)
    give_details(parent)  # the same conversation carries on after the restart
    summary = parent.last_with_buttons()
    assert summary is not None
    parent.tap("book:confirm")
    confirmation = parent.last_update_id
    parent.wait("Заявката Ви е изпратена")
    (booked,) = appointments(db_url)
    assert booked.status == AppointmentStatus.pending

    # A double tap on the same Потвърди, then the same update delivered again after a
    # crash: still one booking.
    parent.tap("book:confirm", int(summary["message_id"]))
    parent.wait_answered()
    bot.kill()
    emulator.redeliver(confirmation)
    bot = start_bot(database_url=db_url, **NO_LIMITER)
    parent.send("/start")  # handled after the redelivered update (updates go in order)
    parent.wait("Здравейте")
    assert [a.id for a in appointments(db_url)] == [booked.id], "a retried update booked twice"
    assert_clean_log(bot, PHONE, NAME)


def test_restart_with_reminders_due(
    emulator: Emulator, start_bot: Callable[..., BotProcess], db_url: str
) -> None:
    bot = start_bot(database_url=db_url, **NO_LIMITER)
    cop_admin(emulator, db_url, "staff", "add", str(STAFF_ID), "--name", "Петя", "--role", "admin")
    staff = User(emulator, STAFF_ID, chat_id=STAFF_CHAT_ID, first_name="Петя")
    parent = User(emulator, 6003)
    parent.send("/start")
    parent.wait("Здравейте")
    parent.press("Запазете час")
    choose_slot(parent)
    give_details(parent)
    parent.tap("book:confirm")
    parent.wait("Заявката Ви е изпратена")
    card = staff.wait(button("st:ok:"))
    (ok,) = [d for _, d in card.buttons() if d and d.startswith("st:ok:")]
    appointment_id = int(ok.rsplit(":", 1)[1])
    staff.tap(ok, card.message_id)
    parent.wait(lambda e: e.method == "sendDocument")
    bot.stop()

    # While the bot is down, its reminders fall due (made due now in the database).
    db = Database(db_url)
    with db.session() as session:
        reminders = list(
            session.exec(
                select(Outbox).where(
                    Outbox.appointment_id == appointment_id,
                    col(Outbox.kind).in_(REMINDER_KINDS),
                )
            )
        )
        assert reminders, "confirming planned no reminder"
        for reminder in reminders:
            reminder.due_at = reminder.due_at.replace(year=2000)
            session.add(reminder)
    db.dispose()
    bot = start_bot(database_url=db_url, **NO_LIMITER)
    parent.mark = emulator.seq
    first = parent.wait(button("rem:"), timeout=10)
    assert "Напомняне" in first.text
    bot.stop()
    bot = start_bot(database_url=db_url, **NO_LIMITER)
    parent.send("/start")
    parent.wait("Здравейте")
    reminders_sent = [t for t in parent.all_texts() if "Напомняне" in t]
    assert 1 <= len(reminders_sent) <= len(reminders)
    assert len(reminders_sent) == len(set(reminders_sent)) or len(reminders) > 1


def test_faults_while_confirming_lose_and_double_nothing(
    emulator: Emulator, start_bot: Callable[..., BotProcess], db_url: str
) -> None:
    bot = start_bot(database_url=db_url, POLL_TIMEOUT="1", API_READ_TIMEOUT="1.5")
    parent = User(emulator, 6004)
    parent.send("📅 Запазете час")
    choose_slot(parent)
    give_details(parent)
    summary = parent.last_with_buttons()
    assert summary is not None
    # Telegram is slow to answer the edit (the parent never sees it) and the next send
    # fails twice with 500 (retried); getUpdates drops a connection on the way.
    emulator.fail("editMessageText", "delay", seconds=2.5, deliver=False, chat_id=6004)
    emulator.fail("sendMessage", "5xx", 2, status=500, chat_id=6004)
    emulator.fail("getUpdates", "drop")
    parent.tap("book:confirm")
    emulator.wait_for(lambda: len(appointments(db_url)) == 1, 10, "the booking")
    parent.wait(lambda e: bool(e.text), timeout=10)
    # The parent, unsure, presses Потвърди again: told it is booked, nothing new saved.
    parent.tap("book:confirm", int(summary["message_id"]))
    parent.wait_answered(timeout=10)
    parent.send("/start")
    parent.wait("Здравейте", timeout=10)
    assert len(appointments(db_url)) == 1
    bot.assert_alive()


def test_automatic_reminder_from_a_short_plan(
    emulator: Emulator, start_bot: Callable[..., BotProcess], db_url: str
) -> None:
    # The day-before reminder at 00:00 and no quiet hours: a booking for tomorrow gets
    # its first reminder as soon as the staff confirm it.
    bot = start_bot(
        database_url=db_url,
        **NO_LIMITER,
        REMINDER_DAY_BEFORE_AT="00:00",
        REMINDER_QUIET_START="00:00",
        REMINDER_QUIET_END="00:00",
    )
    cop_admin(emulator, db_url, "staff", "add", str(STAFF_ID), "--name", "Петя", "--role", "admin")
    staff = User(emulator, STAFF_ID, chat_id=STAFF_CHAT_ID, first_name="Петя")
    parent = User(emulator, 6005)
    parent.send("📅 Запазете час")
    parent.wait(button("book:topic:"))
    parent.tap(parent.callback_data("book:topic:")[0])
    parent.wait(button("book:skip"))
    parent.tap("book:skip")
    days = parent.wait(button("book:day:"))
    tomorrow = (datetime.now(ZoneInfo("Europe/Sofia")) + timedelta(days=1)).date()
    wanted = f"book:day:{tomorrow.isoformat()}"
    if not any(d == wanted for _, d in days.buttons()):
        pytest.skip("the centre is closed tomorrow: no day-before reminder can fall due now")
    parent.tap(wanted, days.message_id)
    parent.wait(button("book:time:"))
    parent.tap(parent.callback_data("book:time:")[0])
    parent.wait(lambda e: bool(e.text))
    give_details(parent)
    parent.tap("book:confirm")
    parent.wait("Заявката Ви е изпратена")
    card = staff.wait(button("st:ok:"))
    (ok,) = [d for _, d in card.buttons() if d and d.startswith("st:ok:")]
    staff.tap(ok, card.message_id)
    reminder = parent.wait(button("rem:yes:"), timeout=15)
    assert "Напомняне" in reminder.text and "утре" in reminder.text
    parent.tap(
        next(d for _, d in reminder.buttons() if d and d.startswith("rem:yes:")),
        reminder.message_id,
    )
    parent.wait_answered()
    emulator.wait_for(lambda: appointments(db_url)[0].parent_reply is not None, 5, "the reply")
    bot.assert_alive()
