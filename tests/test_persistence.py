"""A restart (a new Application on the same database) continues a half-finished booking."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlmodel import select

from bot.app import build_application
from bot.fakeapi import FakeBotAPI
from bot.persistence import DatabasePersistence
from bot.services import Services
from storage import state
from storage.db import Database
from storage.models import Appointment
from tests.chat import Chat
from tests.conftest import make_settings

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Sofia


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def test_restart_continues_the_booking(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path}/bot.sqlite3")

    services = Services.from_settings(settings)
    first = build_application(settings, request=FakeBotAPI(), services=services)
    async with first:
        await first.start()  # as in production: the JobQueue keeps the booking's timeout
        chat = Chat(first, first.bot.request, user_id=1001)  # type: ignore[arg-type]
        await chat.send("📅 Запазете час")
        await chat.tap("book:topic:consulting")
        await chat.send("Въпрос за детската градина")
        await chat.tap("book:day:2026-11-24")
        await chat.press("10:00")
        await chat.tap("book:consent:yes")
        assert "Как да се обръщаме към Вас" in chat.last_text()
        await first.stop()
    services.db.dispose()  # the process stops here

    stored = state.load_all(Database(settings.database_url), kind="user")
    assert stored["1001"]["booking"]["start"] == "2026-11-24T08:00:00+00:00"

    services = Services.from_settings(settings)
    fake = FakeBotAPI()
    second = build_application(settings, request=fake, services=services)
    async with second:
        await second.start()
        chat = Chat(second, fake, user_id=1001)
        await chat.send("Мария")
        assert "телефон" in chat.reply_texts()
        await chat.send("0888 123 456")
        assert "Въпрос за детската градина" in chat.last_text()
        await chat.tap("book:confirm")
        assert "Заявката Ви е изпратена" in chat.reply_texts()
        await second.stop()
    with services.db.session() as session:
        assert len(session.exec(select(Appointment)).all()) == 1
    services.db.dispose()


async def test_user_data_round_trip(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/p.sqlite3")
    db.upgrade()
    persistence = DatabasePersistence(db)
    await persistence.update_user_data(5, {"booking": {"topic": "other", "page": 1}})
    await persistence.update_conversation("booking", (5, 5), 3)
    assert (await persistence.get_user_data())[5] == {"booking": {"topic": "other", "page": 1}}
    assert (await persistence.get_conversations("booking")) == {(5, 5): 3}
    await persistence.update_conversation("booking", (5, 5), None)
    await persistence.drop_user_data(5)
    assert (await persistence.get_conversations("booking")) == {}
    assert 5 not in await persistence.get_user_data()
    db.dispose()


async def test_write_through_keeps_the_newest_value_of_every_row(db: Database) -> None:
    """Writes overlap on PostgreSQL (worker thread): none may leave an older value behind."""
    persistence = DatabasePersistence(db)
    await persistence.update_user_data(7, {"step": 1})
    await persistence.write_through()
    await persistence.update_user_data(7, {"step": 2})
    first = asyncio.create_task(persistence.write_through())
    await asyncio.sleep(0)  # the write of step 2 is under way …
    await persistence.update_user_data(7, {"step": 1})  # … and the parent goes back
    await persistence.update_user_data(8, {"step": 5})
    await asyncio.gather(first, persistence.write_through())
    assert state.load_all(db, kind="user") == {"7": {"step": 1}, "8": {"step": 5}}
    await persistence.flush()  # closes PostgreSQL's asyncio connection


async def test_a_failed_write_is_tried_again_with_the_next(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    persistence = DatabasePersistence(db)
    await persistence.update_user_data(7, {"step": 1})

    def down(*args: Any) -> None:
        raise ConnectionError("database restarting")

    async def down_async(*args: Any) -> None:
        down()

    with monkeypatch.context() as patched:
        patched.setattr(state, "save_many", down)
        patched.setattr(state.AsyncStateWriter, "save_many", down_async)
        with pytest.raises(ConnectionError):
            await persistence.write_through()
    await persistence.update_user_data(8, {"step": 2})
    await persistence.write_through()
    assert state.load_all(db, kind="user") == {"7": {"step": 1}, "8": {"step": 2}}
    await persistence.flush()


async def test_postgresql_state_writer_reconnects_after_the_server_dropped_it(
    db: Database,
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the asyncio writer is PostgreSQL's")
    writer = state.AsyncStateWriter(db)
    await writer.save_many({("user", "", "7"): '{"step": 1}'})
    pid = writer._connection.info.backend_pid
    with db.engine.connect() as connection:
        connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    import psycopg

    with pytest.raises(psycopg.OperationalError):
        await writer.save_many({("user", "", "7"): '{"step": 2}'})
    await writer.save_many({("user", "", "7"): '{"step": 3}', ("user", "", "9"): None})
    assert state.load_all(db, kind="user") == {"7": {"step": 3}}
    await writer.save_many({("user", "", "7"): None, ("user", "", "8"): '{"step": 4}'})
    assert state.load_all(db, kind="user") == {"8": {"step": 4}}
    await writer.close()
