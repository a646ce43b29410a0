"""The outbox on SQLite and PostgreSQL: per-chat order, retries that hold their chat,
superseded card edits, and two dispatchers racing (each row sent once, each chat in order)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlmodel import col, select

from admin.outbox import Delivery, SendOutcome, dispatch_due
from bot.services import Services
from storage import outbox
from storage.db import Database
from storage.models import Appointment, Outbox, Parent
from storage.outbox import Kind
from tests.conftest import make_settings

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def _enqueue(db: Database, chat_id: int, n: int, kind: str = Kind.staff_notice) -> list[int]:
    with db.session() as session:
        rows = [
            outbox.enqueue(session, chat_id=chat_id, kind=kind, text=f"{chat_id}/{i}")
            for i in range(n)
        ]
        return [r.id for r in rows if r.id is not None]


def _claim(db: Database, worker: str = "w", limit: int = 100) -> list[int]:
    with db.session() as session:
        return [c.id for c in outbox.claim_due(session, NOW, worker, LEASE, limit)]


def test_rows_are_claimed_in_order_and_a_retry_holds_its_chat(db: Database) -> None:
    first, second = _enqueue(db, 1, 2)
    (other,) = _enqueue(db, 2, 1)
    assert _claim(db) == [first, second, other]
    with db.session() as session:
        outbox.retry_later(session, first, due_at=NOW + timedelta(minutes=1), error="502")
        outbox.release(session, second, NOW)
        outbox.mark_sent(session, other, NOW, 7)
    (later,) = _enqueue(db, 2, 1)
    # Chat 1 waits for its first row's retry; chat 2 goes on.
    assert _claim(db) == [later]
    with db.session() as session:
        claimed = outbox.claim_due(session, NOW + timedelta(minutes=2), "w", LEASE, 10)
    assert [c.id for c in claimed] == [first, second]


def test_a_row_held_by_another_worker_holds_the_rest_of_its_chat(db: Database) -> None:
    first, second = _enqueue(db, 1, 2)
    assert _claim(db, "a", limit=1) == [first]
    assert _claim(db, "b") == []  # `second` must not overtake `first`
    with db.session() as session:
        outbox.mark_sent(session, first, NOW, 1)
    assert _claim(db, "b") == [second]


def test_only_the_newest_card_edit_is_sent(db: Database) -> None:
    with db.session() as session:
        parent = Parent(telegram_user_id=5, chat_id=5)
        session.add(parent)
        session.flush()
        appointment = Appointment(
            parent_id=parent.id, topic="other", start=NOW, end=NOW + timedelta(hours=1)
        )
        session.add(appointment)
        session.flush()
        ids = [
            outbox.enqueue(
                session,
                chat_id=-1,
                kind=Kind.card_edit,
                appointment_id=appointment.id,
                text=str(n),
                edit_card=True,
            ).id
            for n in range(3)
        ]
    assert _claim(db) == [ids[-1]]
    with db.session() as session:
        states = [r.state for r in session.exec(select(Outbox).order_by(col(Outbox.id))).all()]
    assert states == ["withdrawn", "withdrawn", "claimed"]


def test_a_failed_row_does_not_hold_its_chat(db: Database) -> None:
    first, second = _enqueue(db, 1, 2)
    assert _claim(db, limit=1) == [first]
    with db.session() as session:
        outbox.mark_failed(session, first, "403")
    assert _claim(db) == [second]


CHATS = 60
PER_CHAT = 5


def test_two_dispatchers_send_each_row_once_and_in_order(db: Database, db_url: str) -> None:
    for chat in range(CHATS):
        _enqueue(db, 10_000 + chat, PER_CHAT, Kind.parent_notice)
    lock = threading.Lock()
    deliveries: Counter[str] = Counter()
    order: dict[int, list[int]] = defaultdict(list)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    async def deliver(item: Delivery) -> SendOutcome:
        await asyncio.sleep(0)  # let the other coroutines of this loop in
        with lock:
            deliveries[item.text] += 1
            order[item.chat_id].append(int(item.text.split("/")[1]))
        return SendOutcome.ok(1)

    def worker(name: str) -> None:
        services = Services.from_settings(make_settings(db_url), upgrade=False)
        try:
            barrier.wait()

            async def drain() -> None:
                while True:
                    report = await dispatch_due(
                        services, deliver, worker_id=name, now=NOW, batch=17
                    )
                    with services.db.read() as session:
                        left = outbox.count_by_state(session)
                    if report.claimed == 0 and not left.get("pending") and not left.get("claimed"):
                        return

            asyncio.run(drain())
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            services.db.dispose()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(deliveries) == CHATS * PER_CHAT and set(deliveries.values()) == {1}
    assert all(sent == list(range(PER_CHAT)) for sent in order.values())
    with db.session() as session:
        rows = session.exec(select(Outbox)).all()
    assert Counter(r.state for r in rows) == {"sent": CHATS * PER_CHAT}
    print("sent per worker:", dict(Counter(r.claimed_by for r in rows)))
