"""Shared pieces of the HTTP benches: the emulator, the bot process, parents who book."""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, text  # noqa: E402
from sqlmodel import select  # noqa: E402

from storage.db import Database  # noqa: E402
from storage.models import ACTIVE_STATUSES, Appointment, BookingRules  # noqa: E402
from tests.emulator import Emulator, User, button  # noqa: E402
from tests.emulator.server import Event  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def pg_schema() -> Iterator[str]:
    import uuid

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare_db(url: str, places_per_slot: int) -> None:
    """Migrate and widen the slots so that many parents can book in one bench."""
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        rules = session.get(BookingRules, 1)
        assert rules is not None
        rules.places_per_slot = places_per_slot
        session.add(rules)
    db.dispose()


def overbookings(url: str) -> tuple[int, int]:
    """(active bookings, slots holding more active bookings than places)."""
    db = Database(url)
    try:
        with db.session() as session:
            places = session.get(BookingRules, 1).places_per_slot  # type: ignore[union-attr]
            rows = session.exec(
                select(Appointment.start, func.count())
                .where(Appointment.status.in_([str(s) for s in ACTIVE_STATUSES]))  # type: ignore[attr-defined]
                .group_by(Appointment.start)
            ).all()
    finally:
        db.dispose()
    return sum(n for _, n in rows), sum(1 for _, n in rows if n > places)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, update → first reply
    by_step: dict[str, list[float]] = field(default_factory=dict)  # the same, per step
    outcomes: Counter[str] = field(default_factory=Counter)
    replies: int = 0
    last_reply_at: float = 0.0  # time.monotonic() of the newest reply
    first_done_at: float = 0.0  # time.monotonic() when the first parent finished

    def line(self) -> str:
        if not self.latencies:
            return "no replies"
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000

        return (
            f"update→reply p50 {statistics.median(ordered) * 1000:.1f} ms, "
            f"p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms, max {ordered[-1] * 1000:.1f} ms "
            f"({len(ordered)} replies)"
        )

    def step_lines(self) -> list[str]:
        """p50 / p95 per step of the conversation, in milliseconds."""
        lines = []
        for label, values in self.by_step.items():
            ordered = sorted(values)
            p50 = statistics.median(ordered) * 1000
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
            lines.append(f"    {label:<14} n {len(ordered):>5}  p50 {p50:7.1f}  p95 {p95:7.1f}")
        return lines


def _visible(e: Event) -> bool:
    return e.method in ("sendMessage", "editMessageText", "sendDocument")


async def step(
    user: User,
    act: Any,
    tally: Tally,
    expect: str | None = None,
    within: float = 60.0,
    label: str = "other",
) -> Event | None:
    """Do one action, time the bot's first visible answer, then wait for the button
    `expect` (None when it does not come: the flow went another way)."""
    started = time.monotonic()
    act()
    event = await user.wait_async(_visible, within=within)
    tally.latencies.append(event.at - started)
    tally.by_step.setdefault(label, []).append(event.at - started)
    tally.replies += 1
    tally.last_reply_at = max(tally.last_reply_at, event.at)
    if expect is None:
        return event
    try:
        return await user.wait_async(button(expect), within=30.0)
    except TimeoutError:
        return None


async def parent_books(
    emu: Emulator,
    user_id: int,
    tally: Tally,
    *,
    think: tuple[float, float] | None = None,
    rng: random.Random | None = None,
) -> str:
    """A parent from /start to a saved booking; returns the outcome."""
    user = User(emu, user_id)
    rng = rng or random.Random(user_id)

    async def pause() -> None:
        if think:
            await asyncio.sleep(rng.uniform(*think))

    def pick(event: Event, prefix: str) -> str:
        return rng.choice([d for _, d in event.buttons() if d and d.startswith(prefix)])

    try:
        await step(user, lambda: user.send("/start"), tally, label="start")
        await pause()
        shown = await step(
            user, lambda: user.send("📅 Запазете час"), tally, "book:topic:", label="open"
        )
        if shown is None:
            return "no topics"
        topic = pick(shown, "book:topic:")
        await pause()
        await step(
            user, lambda: user.tap(topic, shown.message_id), tally, "book:skip", label="topic"
        )
        await pause()
        days = await step(
            user, lambda: user.tap("book:skip"), tally, "book:day:", label="skip note"
        )
        if days is None:
            return "no free day"
        day = pick(days, "book:day:")
        await pause()
        times = await step(
            user, lambda: user.tap(day, days.message_id), tally, "book:time:", label="day"
        )
        if times is None:
            return "no free time"
        slot = pick(times, "book:time:")
        await pause()
        after = await step(user, lambda: user.tap(slot, times.message_id), tally, label="time")
        summary = await details(user, after, tally, pause, f"+35988{user_id % 10_000_000:07d}")
        if summary is None:
            return "no summary"
        for attempt in range(3):
            await pause()
            confirm_id = summary.message_id
            await step(
                user, lambda m=confirm_id: user.tap("book:confirm", m), tally, label="confirm"
            )
            answer = await user.wait_async(lambda e: "изпратена" in e.text or "зает" in e.text, 30)
            if "изпратена" in answer.text:
                return "booked" if attempt == 0 else "booked after a taken slot"
            if not any(d and d.startswith("book:time:") for _, d in answer.buttons()):
                return "no place left"
            await pause()
            offered = pick(answer, "book:time:")
            shown = await step(user, lambda o=offered, m=answer.message_id: user.tap(o, m), tally)
            summary = await details(user, shown, tally, pause, "")
            if summary is None:
                return "no summary after a taken slot"
        return "taken three times"
    except (TimeoutError, StopIteration) as exc:
        return f"error: {type(exc).__name__}"


def _has(event: Event | None, data: str) -> bool:
    return event is not None and any(d and d.startswith(data) for _, d in event.buttons())


async def details(
    user: User, shown: Event | None, tally: Tally, pause: Any, phone: str
) -> Event | None:
    """Answer what the flow asks (consent, name, phone) until the summary shows."""
    gave_name = gave_phone = False
    for _ in range(8):
        if not _has(shown, "book:confirm"):
            # a prompt may follow a short acknowledgement: give it a moment
            with suppress(TimeoutError):
                shown = await user.wait_async(button("book:confirm"), within=0.3)
        if _has(shown, "book:confirm"):
            return shown
        await pause()
        if _has(shown, "book:time:"):  # that time went meanwhile: take another offered one
            assert shown is not None
            mid, times = (
                shown.message_id,
                [d for _, d in shown.buttons() if d and d.startswith("book:time:")],
            )
            shown = await step(user, lambda m=mid, t=times[-1]: user.tap(t, m), tally)
        elif _has(shown, "book:consent:yes"):
            assert shown is not None
            mid = shown.message_id
            shown = await step(
                user, lambda m=mid: user.tap("book:consent:yes", m), tally, label="consent"
            )
        elif not gave_name:
            gave_name = True
            shown = await step(user, lambda: user.send("Мария"), tally, label="name")
        elif not gave_phone and phone:
            gave_phone = True
            shown = await step(user, lambda: user.share_contact(phone), tally, label="phone")
        else:
            try:  # everything given: the summary is on its way
                return await user.wait_async(button("book:confirm"), within=30.0)
            except TimeoutError:
                return None
    return None


def start_bot_env(limiter: bool) -> dict[str, str]:
    return {
        "RATE_LIMITER": "true" if limiter else "false",
        "LOG_LEVEL": "WARNING",
        "CONVERSATION_TIMEOUT_MINUTES": "30",
    }
