"""The active lease on PostgreSQL, in-process: one holder; a takeover fences the old holder's
outbox claims at once (token) and acts only after the old holder's deadline; `cop-bot status`.
SQLite: one process per file."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from admin.outbox import LEASE
from bot.failover import describe
from storage import outbox
from storage.clock import utcnow
from storage.db import Database
from storage.lease import AlreadyRunning, Lease, SingleProcess, Timing
from storage.models import Outbox, OutboxState
from tests.conftest import make_settings

needs_pg = pytest.mark.skipif(
    bool(os.environ.get("COP_TEST_SQLITE_ONLY")), reason="needs PostgreSQL"
)
# Short, so that a takeover takes well under a second.
TIMING = Timing(lease=0.4, margin=0.2)


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    database.upgrade()
    yield database
    database.dispose()


def standby(lease: Lease) -> threading.Thread:
    thread = threading.Thread(target=lease.wait_until_active, daemon=True)
    thread.start()
    return thread


@pytest.mark.pg
@needs_pg
def test_takeover_fences_the_old_holder_first_and_acts_after_its_deadline(
    pg_url: str, pg_db: Database
) -> None:
    first = Lease(pg_url, TIMING, process="first")
    first.wait_until_active()  # nobody held it: active at once
    assert first.valid()
    with pg_db.session() as session:
        row = outbox.enqueue(session, chat_id=1, kind=outbox.Kind.staff_notice, text="x")
    second = Lease(pg_url, TIMING, process="second")
    waiting = standby(second)
    waiting.join(timeout=1.0)
    assert waiting.is_alive() and not second.active, "the lock is taken: the second waits"
    with pg_db.session() as session:
        assert first.holds(session)

    # The first one's session ends (its server went away): the second gets the lock, bumps
    # the token at once, so the first one's claims claim nothing from that moment on ...
    assert first._conn is not None
    first._conn.close()
    second_has_lock = threading.Event()

    def token_bumped() -> bool:
        with pg_db.read() as session:
            return session.connection().execute(text("SELECT holder FROM lease")).scalar() == (
                "second"
            )

    for _attempt in range(100):
        if token_bumped():
            second_has_lock.set()
            break
        waiting.join(timeout=0.05)
    assert second_has_lock.is_set()
    assert not second.active, "the second waits out the first one's deadline"
    with pg_db.session() as session:
        claimed = outbox.claim_due(session, utcnow(), "first", LEASE, 10, fence=first)
    assert claimed == []

    # ... and the second acts only once the first one's lease is no longer valid.
    waiting.join(timeout=5)
    assert second.active and second.valid()
    assert not first.valid()
    with pg_db.session() as session:
        claimed = outbox.claim_due(session, utcnow(), "second", LEASE, 10, fence=second)
    assert [c.id for c in claimed] == [row.id]
    second.release()
    first.release()


@pytest.mark.pg
@needs_pg
def test_a_clean_release_lets_the_standby_act_at_once_and_claims_are_handed_back(
    pg_url: str, pg_db: Database
) -> None:
    first = Lease(pg_url, Timing(lease=2, margin=30), process="first")
    first.wait_until_active()
    with pg_db.session() as session:
        outbox.enqueue(session, chat_id=1, kind=outbox.Kind.staff_notice, text="x")
    with pg_db.session() as session:
        assert outbox.claim_due(session, utcnow(), "first", LEASE, 10, fence=first)
    second = Lease(pg_url, Timing(lease=2, margin=30), process="second")
    waiting = standby(second)
    first.release()  # e.g. systemctl stop: everything stopped before the lease goes
    waiting.join(timeout=10)
    assert second.active, "no wait of L + M after a clean release"
    with pg_db.session() as session:
        assert outbox.release_claimed(session) == 1
        (row,) = session.exec(select(Outbox).where(col(Outbox.chat_id) == 1)).all()
        assert row.state == OutboxState.pending and row.claimed_by is None
    report = describe(make_settings(pg_url))
    assert f"active:  {second.host} pid {second.pid}" in report
    second.release()


@pytest.mark.pg
@needs_pg
def test_status_shows_the_active_process_and_the_standbys(pg_url: str, pg_db: Database) -> None:
    first = Lease(pg_url, TIMING, process="first")
    first.wait_until_active()
    second = Lease(pg_url, TIMING, process="second")
    waiting = standby(second)
    waiting.join(timeout=0.5)
    report = describe(make_settings(pg_url))
    lines = report.splitlines()
    assert lines[0].startswith(f"active:  {first.host} pid {first.pid} since ")
    assert lines[1].startswith(f"standby: {second.host} pid {second.pid} since ")
    second._stop.set()
    waiting.join(timeout=2)
    first.release()
    second.release()


def test_sqlite_takes_one_process(tmp_path: Path) -> None:
    database = str(tmp_path / "bot.sqlite3")
    first = SingleProcess(database)
    first.acquire()
    with pytest.raises(AlreadyRunning):
        SingleProcess(database).acquire()
    settings = make_settings(f"sqlite:///{database}")
    assert "one cop-bot process runs" in describe(settings)
    first.release()
    assert "no cop-bot process runs" in describe(settings)
