"""Availability: time to list a month of free slots with 100,000 past appointments.

    .venv/bin/python bench/bench_availability.py [--rows 100000] [--repeat 200] [--sqlite-only]

Fills a fresh database (SQLite file and a PostgreSQL schema on 127.0.0.1:5432) with past
appointments in every status plus a few future bookings, then times
`storage.slots.free_slots_between` for the next 31 days (one short session each, as the
booking flow does). Target: median ≤ 10 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _load import pg_schema
from sqlalchemy import insert, text

from storage.db import Database
from storage.models import Appointment, AppointmentStatus, Parent
from storage.rules import load_rules
from storage.slots import free_slots_between

TZ = ZoneInfo("Europe/Sofia")
PAST_STATUSES = [
    AppointmentStatus.attended,
    AppointmentStatus.attended,
    AppointmentStatus.no_show,
    AppointmentStatus.cancelled_by_parent,
    AppointmentStatus.declined,
    AppointmentStatus.confirmed,  # never marked: still "confirmed" in the past
]


def fill(db: Database, rows: int, now: datetime) -> None:
    rng = random.Random(7)
    parents = 5000
    with db.session() as session:
        session.execute(
            insert(Parent),
            [
                {
                    "telegram_user_id": 10_000_000 + i,
                    "chat_id": 10_000_000 + i,
                    "language": "bg",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(parents)
            ],
        )
    batch: list[dict[str, object]] = []
    for i in range(rows):
        # Past working hours over the last ~4 years.
        day = now - timedelta(days=1 + rng.randrange(4 * 365))
        start = day.replace(hour=6 + rng.randrange(8), minute=0, second=0, microsecond=0)
        batch.append(
            {
                "parent_id": 1 + rng.randrange(parents),
                "topic": "consult",
                "start": start,
                "end": start + timedelta(hours=1),
                "status": str(rng.choice(PAST_STATUSES)),
                "request_key": f"past-{i}",
                "created_at": start - timedelta(days=3),
                "updated_at": start,
            }
        )
        if len(batch) == 10_000:
            with db.session() as session:
                session.execute(insert(Appointment), batch)
            batch = []
    # Some future bookings so that the month is not empty of them.
    for i in range(40):
        day = now + timedelta(days=1 + rng.randrange(30))
        start = day.replace(hour=7 + rng.randrange(6), minute=0, second=0, microsecond=0)
        batch.append(
            {
                "parent_id": 1 + rng.randrange(parents),
                "topic": "consult",
                "start": start,
                "end": start + timedelta(hours=1),
                "status": str(AppointmentStatus.confirmed),
                "request_key": f"future-{i}",
                "created_at": now,
                "updated_at": now,
            }
        )
    with db.session() as session:
        session.execute(insert(Appointment), batch)
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")


def measure(db: Database, repeat: int, now: datetime) -> tuple[list[float], int]:
    first = now.astimezone(TZ).date()
    last = first + timedelta(days=31)
    slots = 0
    times: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        with db.session() as session:
            rules = replace(load_rules(session), horizon_days=31)
            result = free_slots_between(session, TZ, now, first, last, rules=rules)
        times.append((time.perf_counter() - started) * 1000)
        slots = sum(len(v) for v in result.values())
    return times, slots


def report(name: str, times: list[float], slots: int, fill_s: float) -> None:
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{name:<11} fill {fill_s:5.1f}s   month of free slots ({slots} slots): "
        f"median {statistics.median(times):6.2f} ms  p95 {p95:6.2f} ms  max {times[-1]:6.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    now = datetime.now(UTC)
    print(f"bench_availability: {args.rows} past appointments, {args.repeat} runs per engine")
    with tempfile.TemporaryDirectory() as tmp:
        urls = [("SQLite", f"sqlite:///{tmp}/bench.sqlite3")]
        engines = [("SQLite", None)] if args.sqlite_only else [("SQLite", None), ("PostgreSQL", 1)]
        for name, pg in engines:
            with pg_schema() if pg else nullcontext(urls[0][1]) as url:
                db = Database(url)
                db.upgrade()
                started = time.perf_counter()
                fill(db, args.rows, now)
                fill_s = time.perf_counter() - started
                measure(db, 5, now)  # warm caches and the holiday table
                times, slots = measure(db, args.repeat, now)
                report(name, times, slots, fill_s)
                db.dispose()


if __name__ == "__main__":
    main()
