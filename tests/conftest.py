"""Fixtures: a real database per backend, and the real Application over the fake Bot API."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bot.app import build_application
from bot.centre import content_for
from bot.config import Settings
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.db import Database
from tests.chat import Chat

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite"] if os.environ.get("COP_TEST_SQLITE_ONLY") else ["sqlite", "postgresql"]


def _pg_schema_url() -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # pragma: no cover - only when the server is down
        pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is not reachable: {type(exc).__name__}")
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.sqlite3"
    else:
        yield from _pg_schema_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/test.sqlite3"


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _pg_schema_url()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


def make_settings(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "TELEGRAM_BOT_TOKEN": "123:TEST",
        "DATABASE_URL": url,
        "STAFF_CHAT_ID": -100500,
        "RATE_LIMITER": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = Services.from_settings(settings)
    yield svc
    svc.db.dispose()


@pytest.fixture
def fake_api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
async def app(settings: Settings, services: Services, fake_api: FakeBotAPI) -> AsyncIterator[Any]:
    """The real Application, started as in production, over the fake Bot API.

    Started: its JobQueue runs (conversation timeouts are scheduled) and tasks made with
    `create_task` are awaited when it stops. Our own periodic jobs are added by `post_init`,
    which only `run_polling`/`run_webhook` call, so none runs here.
    """
    application = build_application(settings, request=fake_api, services=services)
    async with application:
        await application.start()
        try:
            yield application
        finally:
            await application.stop()


@pytest.fixture
def chat(app: Any, fake_api: FakeBotAPI) -> Chat:
    """A parent (user 1001) talking to the bot in a private chat."""
    return Chat(app, fake_api, user_id=1001)


@pytest.fixture
def content() -> Any:
    return content_for("harmanli")
