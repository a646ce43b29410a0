"""A restart (a new Application on the same database) continues a half-finished booking."""

from __future__ import annotations

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
        chat = Chat(first, first.bot.request, user_id=1001)  # type: ignore[arg-type]
        await chat.send("📅 Запазете час")
        await chat.tap("book:topic:consulting")
        await chat.send("Въпрос за детската градина")
        await chat.tap("book:day:2026-11-24")
        await chat.press("10:00")
        await chat.tap("book:consent:yes")
        assert "Как да се обръщаме към Вас" in chat.last_text()
    services.db.dispose()  # the process stops here

    stored = state.load_all(Database(settings.database_url), kind="user")
    assert stored["1001"]["booking"]["start"] == "2026-11-24T08:00:00+00:00"

    services = Services.from_settings(settings)
    fake = FakeBotAPI()
    second = build_application(settings, request=fake, services=services)
    async with second:
        chat = Chat(second, fake, user_id=1001)
        await chat.send("Мария")
        assert "телефон" in chat.reply_texts()
        await chat.send("0888 123 456")
        assert "Въпрос за детската градина" in chat.last_text()
        await chat.tap("book:confirm")
        assert "Часът Ви е запазен" in chat.reply_texts()
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
