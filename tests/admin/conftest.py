"""Staff tests: a fixed clock, staff members, parents and appointments as plain rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from admin import staff as staff_service
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage.db import Database
from storage.models import Appointment, Parent, StaffRole
from tests.chat import Chat

SOFIA = ZoneInfo("Europe/Sofia")
# Monday 23 November 2026, 08:00 in Харманли.
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=SOFIA)
STAFF_CHAT = -100500
ADMIN_ID = 501  # Ива, admin
STAFF_ID = 502  # Петър, staff
PARENT_ID = 1001
OTHER_PARENT_ID = 1002


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A wall-clock time in Харманли, as aware UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=SOFIA).astimezone(UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def add_parent(
    db: Database,
    user_id: int = PARENT_ID,
    *,
    name: str = "Мария Петрова",
    phone: str = "+359888123456",
    language: str = "bg",
) -> int:
    with db.session() as session:
        parent = Parent(
            telegram_user_id=user_id,
            chat_id=user_id,
            display_name=name,
            phone=phone,
            language=language,
            consent_at=NOW,
        )
        session.add(parent)
        session.flush()
        assert parent.id is not None
        return parent.id


def add_appointment(
    db: Database,
    parent_id: int | None,
    start: datetime,
    *,
    status: str = "pending",
    topic: str = "consulting",
    note: str | None = "Детето не иска да ходи на училище",
    minutes: int = 60,
) -> int:
    with db.session() as session:
        appointment = Appointment(
            parent_id=parent_id,
            topic=topic,
            note=note,
            start=start,
            end=start + timedelta(minutes=minutes),
            status=status,
        )
        session.add(appointment)
        session.flush()
        assert appointment.id is not None
        return appointment.id


def get_appointment(db: Database, appointment_id: int) -> Appointment:
    with db.session() as session:
        row = session.get(Appointment, appointment_id)
        assert row is not None
        return row


def add_staff(db: Database) -> None:
    staff_service.add(db, telegram_user_id=ADMIN_ID, name="Ива", role=StaffRole.admin)
    staff_service.add(db, telegram_user_id=STAFF_ID, name="Петър", role=StaffRole.staff)


@pytest.fixture
def team(services: Services) -> None:
    add_staff(services.db)


@pytest.fixture
def admin_chat(app: Any, fake_api: FakeBotAPI, team: None) -> Chat:
    """Ива (admin) in the staff group."""
    return Chat(app, fake_api, user_id=ADMIN_ID, chat_id=STAFF_CHAT)


@pytest.fixture
def staff_chat(app: Any, fake_api: FakeBotAPI, team: None) -> Chat:
    """Петър (staff) in the staff group."""
    return Chat(app, fake_api, user_id=STAFF_ID, chat_id=STAFF_CHAT)


@pytest.fixture
def parent_chat(app: Any, fake_api: FakeBotAPI) -> Chat:
    return Chat(app, fake_api, user_id=PARENT_ID)


@pytest.fixture
def other_parent_chat(app: Any, fake_api: FakeBotAPI) -> Chat:
    return Chat(app, fake_api, user_id=OTHER_PARENT_ID)


def callback_answers(fake: FakeBotAPI) -> list[str]:
    return [str(c.params.get("text") or "") for c in fake.sent("answerCallbackQuery")]
