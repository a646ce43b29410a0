"""Two dispatchers (threads, event loops and engines of their own) over 500 due reminders."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import timedelta

from sqlmodel import select

from admin.outbox import Delivery, SendOutcome, dispatch_due
from bot.services import Services
from storage.db import Database
from storage.models import Appointment, AppointmentStatus, Outbox, Parent
from tests.conftest import make_settings
from tests.reminders.helpers import local, open_rows

NOW = local(2026, 11, 23, 18)
COUNT = 500


def seed(db: Database) -> None:
    with db.session() as session:
        for n in range(COUNT):
            parent = Parent(telegram_user_id=10_000 + n, chat_id=10_000 + n)
            session.add(parent)
            session.flush()
            appointment = Appointment(
                parent_id=parent.id,
                topic="consulting",
                start=NOW + timedelta(hours=16),
                end=NOW + timedelta(hours=17),
                status=AppointmentStatus.confirmed,
            )
            session.add(appointment)
            session.flush()
            assert appointment.id is not None
            session.add(
                Outbox(
                    chat_id=parent.chat_id,
                    appointment_id=appointment.id,
                    kind="day_before",
                    due_at=NOW - timedelta(minutes=n % 7),
                )
            )


def test_two_dispatchers_send_each_reminder_once(db: Database, db_url: str) -> None:
    seed(db)
    deliveries: Counter[int] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    async def send(item: Delivery) -> SendOutcome:
        await asyncio.sleep(0)  # let the other coroutines of this loop in
        with lock:
            deliveries[item.chat_id] += 1
        return SendOutcome.ok(item.chat_id)

    def worker(name: str) -> None:
        services = Services.from_settings(make_settings(db_url), upgrade=False)
        try:
            barrier.wait()

            async def drain() -> None:
                while True:
                    report = await dispatch_due(services, send, worker_id=name, now=NOW, batch=25)
                    if report.claimed == 0 and not open_rows(services.db):
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
    assert len(deliveries) == COUNT
    assert set(deliveries.values()) == {1}
    with db.session() as session:
        states = Counter(r.state for r in session.exec(select(Outbox)))
        workers = Counter(r.claimed_by for r in session.exec(select(Outbox)))
    assert states == {"sent": COUNT}
    assert set(workers) <= {"w0", "w1"}
    print("sent per worker:", dict(workers))
