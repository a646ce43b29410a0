"""A realistic day, compressed: 500 parents arrive over 60 s and book, 1–3 s between steps.

    .venv/bin/python bench/bench_day.py [--parents 500] [--over 60] [--postgres]

The real `cop-bot run` (rate limiter on, as in production) talks over HTTP to the emulator,
which enforces Telegram's limits (429 beyond ~30 messages/s, 20/min per group). Printed:
p50/p95/p99 from a parent's update to the bot's first reply, outcomes, 429s, overbookings
(must be 0), errors. Target: p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

from _load import (
    Tally,
    overbookings,
    parent_books,
    pg_schema,
    prepare_db,
    start_bot_env,
)

from tests.emulator import Emulator, EmulatorThread
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess


async def day(
    emu: Emulator, parents: int, over: float, tally: Tally, first_id: int = 3_000_000
) -> None:
    rng = random.Random(2026)

    async def arrive(n: int) -> None:
        await asyncio.sleep(rng.uniform(0, over))
        outcome = await parent_books(emu, first_id + n, tally, think=(1.0, 3.0))
        tally.outcomes[outcome] += 1

    await asyncio.gather(*(arrive(n) for n in range(parents)))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far (/proc/<pid>/stat, fields 14 and 15).

    Unlike latencies, it hardly moves when other work shares the machine's cores.
    """
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_day(
    parents: int,
    over: float,
    postgres: bool,
    limiter: bool = True,
    bot: dict[str, BotProcess] | None = None,
    before_day: object = None,
    env: dict[str, str] | None = None,
    days: int = 1,
) -> tuple[Tally, dict[str, object]]:
    """Play `days` days of `parents` new parents each against one bot process."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        pg_schema() if postgres else nullcontext(f"sqlite:///{tmp}/day.sqlite3") as url,
    ):
        prepare_db(url, places_per_slot=max(2, parents // 50))
        thread = EmulatorThread()
        with thread as emu:
            emu.enforce_limits = limiter
            emu.chat(STAFF_CHAT_ID)
            process = BotProcess(
                emu, Path(tmp), url, **{**start_bot_env(limiter=limiter), **(env or {})}
            ).start()
            time.sleep(5)  # let start-up settle (migrations, first jobs) before "idle"
            extra: dict[str, object] = {"idle_rss_kib": process.rss_kib()}
            if callable(before_day):
                before_day(process)
            tally = Tally()
            started = time.monotonic()
            cpu_before = _cpu_seconds(process.pid)
            after_each: list[int] = []
            for n in range(days):
                thread.run(day(emu, parents, over, tally, first_id=3_000_000 + n * 100_000))
                after_each.append(process.rss_kib())
            extra["elapsed_s"] = time.monotonic() - started
            extra["cpu_s"] = _cpu_seconds(process.pid) - cpu_before
            extra["after_rss_kib"] = after_each[0]
            extra["after_each_rss_kib"] = after_each
            extra["rate_limited_429"] = f"{emu.rate_limited} {emu.rate_limit_reasons}"
            extra["errors_sent"] = Counter((m, s) for m, s, _ in emu.errors_sent if s != 429)
            extra["bookings"], extra["overbooked_slots"] = overbookings(url)
            output = process.output()
            extra["log_errors"] = output.count(" ERROR ")
            extra["error_lines"] = [ln for ln in output.splitlines() if " ERROR " in ln][:5]
            extra["alive"] = process.alive()
            process.stop()
            if bot is not None:
                bot["process"] = process
    return tally, extra


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=500)
    parser.add_argument("--over", type=float, default=60.0)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--no-limiter",
        action="store_true",
        help="rate limiter off and the emulator not enforcing limits: our code's latency only",
    )
    args = parser.parse_args()
    tally, extra = run_day(args.parents, args.over, args.postgres, limiter=not args.no_limiter)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"bench_day ({engine}): {args.parents} parents arriving over {args.over:.0f} s, "
        "1–3 s between steps, "
        + (
            "rate limiter off, no limits enforced"
            if args.no_limiter
            else "rate limiter on, emulator enforcing Telegram's limits"
        )
    )
    print(f"  {tally.line()}")
    print("\n".join(tally.step_lines()))
    print(f"  outcomes: {dict(tally.outcomes)}")
    print(
        f"  bookings {extra['bookings']}, overbooked slots {extra['overbooked_slots']}, "
        f"429s {extra['rate_limited_429']}, other API errors {dict(extra['errors_sent'])}, "
        f"ERROR lines in the bot's log {extra['log_errors']}, alive {extra['alive']}"
    )
    print(
        f"  wall time {extra['elapsed_s']:.1f} s; RSS idle {extra['idle_rss_kib'] // 1024} MiB,"
        f" after {extra['after_rss_kib'] // 1024} MiB"
    )
    replies = len(tally.latencies)
    per_reply = f" = {extra['cpu_s'] * 1000 / replies:.2f} ms per reply" if replies else ""
    print(f"  bot CPU over the day {extra['cpu_s']:.1f} s{per_reply}")


if __name__ == "__main__":
    main()
