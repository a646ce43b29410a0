"""SQLite reads take no write lock, commits are synchronous=FULL (the conversation state
opts out); PostgreSQL advisory locks live in the project's own two-integer key space."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.config import Settings
from bot.runner import make_request
from storage import booking, state
from storage.db import Database
from storage.locks import LockSpace
from storage.models import Parent

TZ = ZoneInfo("Europe/Sofia")


def test_a_read_does_not_wait_for_a_writer(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    db.upgrade()
    try:
        with db.session() as writer:
            writer.add(Parent(telegram_user_id=1, chat_id=1))
            writer.flush()  # the write lock is held from BEGIN IMMEDIATE until commit
            with db.read() as reader:
                assert reader.exec(select(Parent)).all() == []  # not blocked, not dirty
    finally:
        db.dispose()


def test_commits_are_full_the_state_opts_out_once(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    db.upgrade()
    try:
        with db.session() as session:
            assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2
        state.save(db, kind="user", key="1", value={"a": 1})
        with db.session() as session:  # the pooled connection is FULL again
            assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        db.dispose()


def test_advisory_locks_use_the_projects_namespace(pg_url: str) -> None:
    db = Database(pg_url)
    db.upgrade()
    try:
        start = datetime(2026, 11, 24, 8, tzinfo=UTC)
        with db.session() as session:
            booking.lock_parent(session, 7_000_000_001)  # a 64-bit Telegram id
            booking.lock_slot(session, start)
            rows = (
                session.connection()
                .execute(
                    text(
                        "SELECT classid::bigint, objsubid FROM pg_locks "
                        "WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                    )
                )
                .all()
            )
        assert sorted(rows) == [(int(LockSpace.parent), 2), (int(LockSpace.slot), 2)]
    finally:
        db.dispose()


@pytest.mark.parametrize("proxy", [None, "http://proxy.example:3128"])
async def test_the_transport_honours_proxies(proxy: str | None, sqlite_url: str) -> None:
    settings = Settings(DATABASE_URL=sqlite_url, PROXY_URL=proxy or "")  # type: ignore[call-arg]
    request = make_request(settings)
    await request.initialize()
    try:
        assert request._session is not None and request._session.trust_env  # HTTPS_PROXY …
        assert request._proxy == proxy
    finally:
        await request.shutdown()
