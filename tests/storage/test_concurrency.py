"""Fifty parents tap the last free place at once: exactly one gets it, on both engines."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from storage import booking
from storage.db import Database
from storage.errors import SlotTaken
from storage.models import Appointment

TZ = ZoneInfo("Europe/Sofia")
NOW = datetime(2026, 11, 23, 8, tzinfo=TZ).astimezone(UTC)
START = datetime(2026, 11, 24, 10, tzinfo=TZ)
ATTEMPTS = 50


def test_fifty_concurrent_attempts_at_one_place(db_url: str, db: Database) -> None:
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(user: int) -> None:
        # Each thread its own Database (engine, pool): like separate bot processes.
        own = Database(db_url)
        try:
            barrier.wait()
            booking.book(
                own, telegram_user_id=user, chat_id=user, topic="other", note=None,
                start=START, request_key=f"{user}:1", tz=TZ, now=NOW,
            )  # fmt: skip
            result = "booked"
        except SlotTaken:
            result = "taken"
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            result = type(exc).__name__
        finally:
            own.dispose()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(5000 + i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(set(outcomes)) == ["booked", "taken"], outcomes
    assert outcomes.count("booked") == 1 and outcomes.count("taken") == ATTEMPTS - 1
    with db.session() as session:
        assert len(session.exec(select(Appointment)).all()) == 1
