"""Two real `cop-bot run` processes on one PostgreSQL database, over HTTP against the
emulator: one active, one standby; kill -9 or a broken database connection → the standby
takes over within FAILOVER_TAKEOVER_SECONDS; nothing lost, nothing sent twice. And a second
process on one SQLite file is refused.

Short lease settings (takeover 5 s: lease 1.25 s, margin 1 s) keep the file near a minute.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlmodel import col, select

from storage.db import Database
from storage.lease import Status, read_status
from storage.models import Appointment, AppointmentStatus, Outbox, OutboxState
from storage.outbox import REMINDER_KINDS, Kind
from tests.e2e.conftest import cop_admin
from tests.e2e.test_booking import choose_slot, give_details, persisted_booking
from tests.emulator import Emulator, User, button
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess

pytestmark = pytest.mark.e2e
needs_pg = pytest.mark.skipif(
    bool(os.environ.get("COP_TEST_SQLITE_ONLY")), reason="needs PostgreSQL"
)

STAFF_ID = 5550001
TAKEOVER = 5.0
# No rate limiter: a 429 then reaches the outbox (the row waits, pending, for retry_after).
FAILOVER_ENV = {"FAILOVER_TAKEOVER_SECONDS": str(TAKEOVER), "RATE_LIMITER": "false"}


def status(url: str) -> Status:
    db = Database(url)
    try:
        with db.read() as session:
            return read_status(session, stale_after=3.0)
    finally:
        db.dispose()


def start_pair(
    start_bot: Callable[..., BotProcess], emulator: Emulator, url: str
) -> tuple[BotProcess, BotProcess]:
    """Two processes started at once; returns (active, standby) once one polls."""
    polls = emulator.method_counts.get("getUpdates", 0)
    bots = [start_bot(database_url=url, wait=False, **FAILOVER_ENV) for _ in range(2)]
    emulator.wait_for(
        lambda: (
            (
                emulator.method_counts.get("getUpdates", 0) > polls
                and len(status(url).standbys) == 1
            )
            or not all(b.alive() for b in bots)
        ),
        40,
        "one active process and one standby",
    )
    for b in bots:
        b.assert_alive()
    active = status(url).active
    assert active is not None
    first, second = bots
    return (first, second) if first.pid == active.pid else (second, first)


def wait_standby(emulator: Emulator, url: str, bot: BotProcess) -> BotProcess:
    """Wait until `bot` shows up as a standby (it never polls)."""
    emulator.wait_for(
        lambda: any(p.pid == bot.pid for p in status(url).standbys) or not bot.alive(),
        30,
        "the process to wait as a standby",
    )
    bot.assert_alive()
    return bot


def database_ports(pid: int) -> set[int]:
    """The local TCP ports of a process's sockets (its database connections among them)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def terminate_backends(url: str, pid: int) -> int:
    """pg_terminate_backend on every server session of process `pid`."""
    ports = sorted(database_ports(pid))
    db = Database(url)
    try:
        with db.session() as session:
            rows = session.connection().execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND client_port = ANY(:ports)"
                ),
                {"ports": ports},
            )
            return len(rows.all())
    finally:
        db.dispose()


def appointments(url: str) -> list[Appointment]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(session.exec(select(Appointment).order_by(col(Appointment.id))))
    finally:
        db.dispose()


def outbox_rows(url: str, *conditions: object) -> list[Outbox]:
    db = Database(url)
    try:
        with db.session() as session:
            return list(session.exec(select(Outbox).where(*conditions).order_by(col(Outbox.id))))
    finally:
        db.dispose()


def kill_timed(bot: BotProcess) -> float:
    bot.kill()
    return time.monotonic()


@pytest.mark.pg
@needs_pg
def test_kills_mid_booking_with_a_card_and_reminders_waiting(
    pg_url: str, emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    a, b = start_pair(start_bot, emulator, pg_url)
    cop_admin(emulator, pg_url, "staff", "add", str(STAFF_ID), "--name", "Петя", "--role", "admin")
    staff = User(emulator, STAFF_ID, chat_id=STAFF_CHAT_ID, first_name="Петя")
    parent = User(emulator, 7001)
    assert status(pg_url).active is not None and status(pg_url).active.pid == a.pid  # type: ignore[union-attr]

    # 1. kill -9 the active process in the middle of a booking: the standby answers the
    # next step within the takeover time, from the state the dead one wrote.
    parent.send("📅 Запазете час")
    choose_slot(parent)
    emulator.wait_for(lambda: "start" in persisted_booking(pg_url, 7001), 5, "persistence")
    killed = kill_timed(a)
    assert parent.callback_data("book:consent:yes"), "a new parent is asked for consent"
    parent.tap("book:consent:yes")  # the next step, while nobody is active
    parent.wait(lambda e: bool(e.text), timeout=15)
    took = time.monotonic() - killed
    assert took < 15, f"the standby answered after {took:.1f}s"
    assert status(pg_url).active.pid == b.pid  # type: ignore[union-attr]
    # The service manager starts the killed one again: now a standby.
    a2 = start_bot(database_url=pg_url, wait=False, **FAILOVER_ENV)

    # 2. The booking completes; its staff card gets a 429 and waits in the outbox
    # (pending) when the active process is killed: the next one sends it, once.
    give_details(parent)
    wait_standby(emulator, pg_url, a2)
    emulator.fail("sendMessage", "429", chat_id=STAFF_CHAT_ID, retry_after=3)
    parent.tap("book:confirm")
    parent.wait("Заявката Ви е изпратена")
    emulator.wait_for(
        lambda: any(m == "sendMessage" and s == 429 for m, s, _ in emulator.errors_sent),
        10,
        "the card's 429",
    )
    (card_row,) = outbox_rows(pg_url, col(Outbox.kind) == Kind.staff_card)
    assert card_row.state == OutboxState.pending
    kill_timed(b)
    card = staff.wait(button("st:ok:"), timeout=15)
    assert status(pg_url).active.pid == a2.pid  # type: ignore[union-attr]

    # 3. Staff confirm (reminders are planned); the active process is killed; the
    # reminders fall due in the gap, one of them left claimed by the dead process: each
    # arrives exactly once.
    (ok,) = [d for _, d in card.buttons() if d and d.startswith("st:ok:")]
    appointment_id = int(ok.rsplit(":", 1)[1])
    staff.tap(ok, card.message_id)
    parent.wait(lambda e: e.method == "sendDocument", timeout=10)
    b2 = wait_standby(emulator, pg_url, start_bot(database_url=pg_url, wait=False, **FAILOVER_ENV))
    reminders = outbox_rows(
        pg_url,
        col(Outbox.appointment_id) == appointment_id,
        col(Outbox.kind).in_(REMINDER_KINDS),
    )
    assert reminders
    kill_timed(a2)
    db = Database(pg_url)
    with db.session() as session:
        session.exec(  # type: ignore[call-overload]
            update(Outbox)
            .where(col(Outbox.id).in_([r.id for r in reminders]))
            .values(due_at=reminders[0].created_at.replace(year=2000))
        )
        session.exec(  # type: ignore[call-overload]
            update(Outbox)
            .where(col(Outbox.id) == reminders[0].id)
            .values(
                state=OutboxState.claimed,
                claimed_by="dead-process",
                lease_until=reminders[0].created_at.replace(year=2100),
            )
        )
    db.dispose()
    emulator.wait_for(
        lambda: all(
            r.state == OutboxState.sent
            for r in outbox_rows(pg_url, col(Outbox.id).in_([r.id for r in reminders]))
        ),
        15,
        "every reminder sent",
    )
    parent.send("/start")
    parent.wait("Здравейте", timeout=10)
    assert status(pg_url).active.pid == b2.pid  # type: ignore[union-attr]

    # Nothing twice: one card, one message per reminder row, one booking.
    cards = [
        e
        for e in emulator.chat_events(STAFF_CHAT_ID)
        if e.method == "sendMessage" and button("st:ok:")(e)
    ]
    assert len(cards) == 1
    reminder_texts = [t for t in parent.all_texts() if "Напомняне" in t]
    assert len(reminder_texts) == len(reminders)
    (booked,) = appointments(pg_url)
    assert booked.status == AppointmentStatus.confirmed
    b2.assert_alive()


@pytest.mark.pg
@needs_pg
def test_lost_database_connection_stops_the_active_one(
    pg_url: str, emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    active, standby = start_pair(start_bot, emulator, pg_url)
    parent = User(emulator, 7002)
    parent.send("/start")
    parent.wait("Здравейте")

    assert terminate_backends(pg_url, active.pid) >= 1
    broken = time.monotonic()
    emulator.wait_for(lambda: not active.alive(), 10, "the active process to stop")
    assert active.proc is not None and active.proc.returncode == 75
    assert "lost the active lease" in active.output()
    parent.send("/start")  # while nobody is active
    parent.wait("Здравейте", timeout=15)
    assert time.monotonic() - broken < 15
    assert status(pg_url).active.pid == standby.pid  # type: ignore[union-attr]
    greetings = [
        e
        for e in emulator.chat_events(7002)
        if e.method == "sendMessage" and "Здравейте" in e.text
    ]
    assert len(greetings) == 2, "each /start answered once, by one process"


def test_a_second_process_on_one_sqlite_file_is_refused(
    emulator: Emulator, start_bot: Callable[..., BotProcess], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/bot.sqlite3"
    first = start_bot(database_url=url)
    second = start_bot(database_url=url, wait=False)
    assert second.proc is not None
    assert second.proc.wait(timeout=30) == 2
    assert "already runs on this SQLite database" in second.output()
    first.assert_alive()


@pytest.mark.pg
@needs_pg
def test_a_frozen_active_process_is_replaced_and_sends_nothing_when_it_wakes(
    pg_url: str, emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    active, standby = start_pair(start_bot, emulator, pg_url)
    parent = User(emulator, 7003)
    parent.send("/start")
    parent.wait("Здравейте")

    # SIGSTOP: a hung process, or a server that went dark without closing its sockets.
    # The database ends its silent session (idle_session_timeout), the standby takes over.
    assert active.proc is not None
    active.proc.send_signal(signal.SIGSTOP)
    frozen = time.monotonic()
    parent.send("/start")
    parent.wait("Здравейте", timeout=15)
    assert time.monotonic() - frozen < 15
    assert status(pg_url).active.pid == standby.pid  # type: ignore[union-attr]

    # It wakes up believing nothing happened: it acts no more and exits.
    mark = emulator.seq
    active.proc.send_signal(signal.SIGCONT)
    assert active.proc.wait(timeout=10) == 75
    assert emulator.chat_events(7003, after=mark) == []
    assert emulator.chat_events(STAFF_CHAT_ID, after=mark) == []
    parent.send("/start")
    parent.wait("Здравейте")
    greetings = [t for t in parent.all_texts() if "Здравейте" in t]
    assert len(greetings) == 3, "each /start answered once"
