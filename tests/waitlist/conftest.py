"""Waiting-list tests: a fixed clock (Monday 23 November 2026, 08:00 in Харманли), both engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import col, select

from admin import waitlist
from bot.centre import content_for
from bot.services import Services
from storage import booking
from storage.db import Database
from storage.models import (
    ACTIVE_STATUSES,
    Appointment,
    HoldState,
    Parent,
    PartOfDay,
    WaitlistEntry,
    WaitlistHold,
)
from tests.conftest import make_settings

SOFIA = ZoneInfo("Europe/Sofia")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=SOFIA)
TUE, WED = 1, 2


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A wall-clock time in Харманли, as aware UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=SOFIA).astimezone(UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def svc(db: Database, db_url: str, clock: Any) -> Services:
    settings = make_settings(db_url)
    return Services(settings=settings, content=content_for(settings.centre), db=db)


def consenting_parent(svc: Services, user: int, name: str = "Мария Петрова") -> None:
    with svc.db.session() as session:
        parent = session.exec(select(Parent).where(Parent.telegram_user_id == user)).first()
        parent = parent or Parent(telegram_user_id=user, chat_id=user)
        parent.display_name, parent.phone, parent.consent_at = name, "+359888123456", svc.now()
        session.add(parent)


def book(svc: Services, user: int, start: datetime, key: str | None = None) -> Appointment:
    return booking.book(
        svc.db,
        telegram_user_id=user,
        chat_id=user,
        topic="consulting",
        note=None,
        start=start,
        request_key=key or f"{user}:{start.isoformat()}",
        tz=svc.settings.tz,
        now=svc.now(),
        policy=svc.reminder_policy,
    )


def join(svc: Services, user: int, days: list[int], part: PartOfDay = PartOfDay.any) -> None:
    consenting_parent(svc, user)
    waitlist.join(
        svc,
        telegram_user_id=user,
        chat_id=user,
        topic="consulting",
        weekdays=days,
        part_of_day=part,
    )


def holds(svc: Services, *states: str) -> list[tuple[int | None, datetime, str]]:
    """(telegram user id or None, start, state) of every hold, oldest first."""
    with svc.db.read() as session:
        rows = session.exec(select(WaitlistHold).order_by(col(WaitlistHold.id))).all()
        out = []
        for hold in rows:
            if states and hold.state not in states:
                continue
            user = None
            if hold.entry_id is not None:
                entry = session.get(WaitlistEntry, hold.entry_id)
                parent = session.get(Parent, entry.parent_id) if entry else None
                user = parent.telegram_user_id if parent else None
            out.append((user, hold.start, hold.state))
        return out


def held(svc: Services) -> list[tuple[int | None, datetime, str]]:
    return holds(svc, HoldState.held)


def hold_id_of(svc: Services, user: int) -> int:
    view = waitlist.entry_of(svc, user)
    assert view is not None
    with svc.db.read() as session:
        found = session.exec(
            select(WaitlistHold.id).where(
                WaitlistHold.entry_id == view.id, WaitlistHold.state == HoldState.held
            )
        ).first()
    assert found is not None
    return found


def on_list(svc: Services) -> list[int]:
    with svc.db.read() as session:
        entries = session.exec(select(WaitlistEntry).order_by(col(WaitlistEntry.id))).all()
        return [
            p.telegram_user_id
            for e in entries
            if (p := session.get(Parent, e.parent_id)) is not None
        ]


def active_at(svc: Services, start: datetime) -> int:
    with svc.db.read() as session:
        return len(
            session.exec(
                select(Appointment).where(
                    Appointment.start == start,
                    col(Appointment.status).in_([str(s) for s in ACTIVE_STATUSES]),
                )
            ).all()
        )


TEN, ELEVEN = at(24, 10), at(24, 11)  # Tuesday: the only two places of the horizon
BOOKER, OTHER_BOOKER = 2001, 2002
FIRST, SECOND, THIRD = 3001, 3002, 3003


@pytest.fixture
def full(svc: Services) -> Services:
    """Open only Tuesday 10:00–12:00 (two places), two days ahead, and both places booked."""
    from datetime import time

    from admin import hours

    hours.set_hours(svc.db, days=list(range(7)), spans=[])
    hours.set_hours(svc.db, days=[TUE], spans=[(time(10), time(12))], horizon_days=2)
    book(svc, BOOKER, TEN)
    book(svc, OTHER_BOOKER, ELEVEN)
    return svc


def sent(svc: Services, kind: str) -> list[tuple[int, datetime, str, str]]:
    """(chat, due, state, text) of the outbox rows of `kind`, oldest first."""
    from storage.models import Outbox

    with svc.db.read() as session:
        rows = session.exec(
            select(Outbox).where(Outbox.kind == kind).order_by(col(Outbox.id))
        ).all()
        return [(r.chat_id, r.due_at, r.state, r.text or "") for r in rows]
