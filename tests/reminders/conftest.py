"""The real Application over the fake Bot API, on each database engine; staff announcements
recorded as they go into the outbox."""

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
    """(appointment id, change) of every line to staff put into the outbox."""
    from admin import notices

    seen: list[tuple[int, str]] = []
    original = notices.tell_staff

    def record(session: Any, services: Any, appointment_id: int, change: str) -> None:
        seen.append((appointment_id, change))
        original(session, services, appointment_id, change)

    monkeypatch.setattr(notices, "tell_staff", record)
    return seen
