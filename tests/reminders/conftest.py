"""The real Application over the fake Bot API, on each database engine; staff announcements
recorded instead of posted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.app import build_application
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from tests.conftest import make_settings


@pytest.fixture
async def rapp(db_url: str, fake_api: FakeBotAPI) -> AsyncIterator[Any]:
    """Application + services on `db_url`; three attempts before a reminder fails."""
    settings = make_settings(db_url, REMINDER_MAX_ATTEMPTS=3)
    services = Services.from_settings(settings)
    application = build_application(settings, request=fake_api, services=services)
    async with application:
        yield application
    services.db.dispose()


@pytest.fixture
def staff_changes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """(appointment id, change) of every announcement to staff."""
    seen: list[tuple[int, str]] = []

    async def record(bot: Any, services: Any, appointment_id: int, change: str) -> None:
        seen.append((appointment_id, change))

    monkeypatch.setattr("admin.telegram.reminders.announce_parent_change", record)
    monkeypatch.setattr("bot.flows.reminder_reply.announce_parent_change", record)
    return seen
