"""Dispatch N due reminders through the fake Bot API with the bot's real rate limiter.

    .venv/bin/python bench/bench_reminders.py [--count 10000] [--database-url URL]

The fake Bot API answers instantly but, like Telegram, refuses more than 30 messages in
any one second with a 429 (`retry_after=1`); the bot's `CentreRateLimiter` (bot/limits.py,
retries on RetryAfter) sits in front of it, exactly as in production. Prints messages per second
against Telegram's 30/s, the number of 429s, and the duplicate window of the delivery
guarantee (time from `send_message` returning to the "sent" commit; see
`admin/reminders.py`): p50 / p99 / max. At ~30/s, 10,000 reminders take about 5.5 min.
Not part of the test suite.

Measured in session 1, with PTB's AIORateLimiter (SQLite): 10,000 reminders in 432 s =
23.2/s with 333 answers 429; with `--telegram-limit 0` (no flood control in the fake) 1,000
in 33 s = 30.7/s. The 429s came from aiolimiter's leaky bucket, which allows a burst of 30
after any pause on top of the steady rate, against a fake that counts strictly per sliding
second. Every reminder was accepted exactly once. Later figures: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import deque
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from admin.telegram.outbox import dispatch
from bot.app import build_application
from bot.config import Settings
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from storage import reminders
from storage.clock import utcnow
from storage.models import Appointment, Outbox, Parent

TELEGRAM_LIMIT = 30  # messages per second, overall


class FloodControlledAPI(FakeBotAPI):
    """The fake Bot API with Telegram's overall limit: 429 beyond 30 sends per second."""

    def __init__(self, per_second: int = TELEGRAM_LIMIT) -> None:
        super().__init__()
        self.per_second = per_second
        self.recent: deque[float] = deque()
        self.too_many = 0
        self.accepted = 0

    async def do_request(self, url: str, method: str, *args: Any, **kw: Any) -> tuple[int, bytes]:
        if url.endswith("/sendMessage"):
            now = time.monotonic()
            while self.recent and now - self.recent[0] >= 1.0:
                self.recent.popleft()
            if len(self.recent) >= self.per_second:
                self.too_many += 1
                return (
                    429,
                    b'{"ok":false,"error_code":429,"description":"Too Many Requests: '
                    b'retry after 1","parameters":{"retry_after":1}}',
                )
            self.recent.append(now)
            self.accepted += 1
            self.calls.clear()  # keep memory flat over 10,000 sends
        return await super().do_request(url, method, *args, **kw)


def seed(services: Services, count: int) -> None:
    """`count` parents, each with a confirmed appointment tomorrow and a reminder due now."""
    now = utcnow()
    start = now + timedelta(days=1)
    with services.db.session() as session:
        session.execute(
            insert(Parent),
            [
                {
                    "telegram_user_id": 50_000_000 + n,
                    "chat_id": 50_000_000 + n,
                    "language": "bg",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        parent_ids = list(session.execute(select(Parent.id).order_by(Parent.id)).scalars())
        session.execute(
            insert(Appointment),
            [
                {
                    "parent_id": pid,
                    "topic": "consulting",
                    "start": start,
                    "end": start + timedelta(hours=1),
                    "status": "confirmed",
                    "created_at": now,
                    "updated_at": now,
                }
                for pid in parent_ids
            ],
        )
        pairs = session.execute(
            select(Appointment.id, Parent.chat_id)
            .join(Parent, Parent.id == Appointment.parent_id)  # type: ignore[arg-type]
            .order_by(Appointment.id)
        ).all()
        session.execute(
            insert(Outbox),
            [
                {
                    "appointment_id": aid,
                    "chat_id": chat,
                    "kind": "day_before",
                    "due_at": now,
                    "state": "pending",
                    "created_at": now,
                }
                for aid, chat in pairs
            ],
        )


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(count: int, database_url: str, batch: int, limit: int) -> int:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        TELEGRAM_BOT_TOKEN="123:BENCH",
        DATABASE_URL=database_url,
        RATE_LIMITER=True,
    )
    services = Services.from_settings(settings)
    seed(services, count)
    fake = FloodControlledAPI(limit or 10**9)
    application = build_application(settings, request=fake, services=services, rate_limiter=True)
    windows: list[float] = []
    sent = postponed = failed = 0
    async with application:
        began = time.perf_counter()
        last_print = began
        while True:
            report = await dispatch(application.bot, services, batch=batch)
            windows.extend(report.windows)
            sent += report.sent
            postponed += report.postponed
            failed += report.failed + report.blocked
            if report.claimed == 0:
                with services.db.session() as session:
                    left = reminders.count_by_state(session)
                if not left.get("pending") and not left.get("claimed"):
                    break
                await asyncio.sleep(0.2)  # postponed ones become due again
            if time.perf_counter() - last_print > 15:
                last_print = time.perf_counter()
                print(f"  … {sent}/{count} sent", flush=True)
        elapsed = time.perf_counter() - began
    with services.db.session() as session:
        states = reminders.count_by_state(session)
    services.db.dispose()
    rate = sent / elapsed if elapsed else 0.0
    print(f"reminders:        {count} due, {sent} sent in {elapsed:.1f} s ({states})")
    print(f"throughput:       {rate:.1f} messages/s (Telegram allows ~{TELEGRAM_LIMIT}/s overall)")
    print(
        f"429 answers:      {fake.too_many} (retried inside the rate limiter; the fake refuses "
        f"more than {limit or 'unlimited'} sends in any 1 s window)"
    )
    print(f"RetryAfter seen:  {postponed} by the dispatcher; failed/blocked: {failed}")
    p50, p99 = percentile(windows, 0.50) * 1000, percentile(windows, 0.99) * 1000
    worst = max(windows, default=0.0) * 1000
    print(
        f"duplicate window: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms "
        "(send_message returned -> 'sent' committed)"
    )
    print(f"Telegram accepted {fake.accepted} sendMessage calls for {count} reminders")
    return 0 if sent == count and fake.accepted == count else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="due reminders (10000)")
    parser.add_argument("--batch", type=int, default=100, help="claim size per run (100)")
    parser.add_argument(
        "--telegram-limit",
        type=int,
        default=TELEGRAM_LIMIT,
        help="the fake answers 429 beyond this many sends in any second (30; 0 = never)",
    )
    parser.add_argument(
        "--database-url", default=None, help="default: a fresh SQLite file in a temp dir"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        return asyncio.run(run(args.count, url, args.batch, args.telegram_limit))


if __name__ == "__main__":
    sys.exit(main())
