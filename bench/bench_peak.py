"""Peak: parents book as fast as the bot answers, over HTTP against the emulator.

    .venv/bin/python bench/bench_peak.py [--parents 100] [--sqlite-only]

For SQLite and PostgreSQL, the real `cop-bot run`:
  * rate limiter off, emulator not enforcing limits: replies per second, next to a bare
    PTB echo bot's (bench/echo_bot.py) under the same number of users answering at once
    (target: at least half of it);
  * rate limiter on, emulator enforcing Telegram's limits: replies per second against
    Telegram's 30 (target ≥ 28 with no 429).
Each run prints bookings made, overbooked slots (must be 0) and errors (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from pathlib import Path

from _load import ROOT, Tally, overbookings, parent_books, pg_schema, prepare_db, start_bot_env

from tests.emulator import Emulator, EmulatorThread, User
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess, bot_env

STEPS_PER_ECHO_USER = 10


async def echo_load(emu: Emulator, users: int, tally: Tally) -> None:
    async def one(n: int) -> None:
        user = User(emu, 8_000_000 + n)
        for k in range(STEPS_PER_ECHO_USER):
            started = time.monotonic()
            user.send(f"здравейте {k}")
            event = await user.wait_async(within=30)
            tally.latencies.append(event.at - started)
            tally.replies += 1
            tally.last_reply_at = max(tally.last_reply_at, event.at)

    await asyncio.gather(*(one(n) for n in range(users)))


def echo_baseline(users: int) -> tuple[float, Tally]:
    thread = EmulatorThread()
    with thread as emu, tempfile.TemporaryDirectory() as tmp:
        env = bot_env(emu, f"sqlite:///{tmp}/unused.sqlite3")
        polls = emu.method_counts.get("getUpdates", 0)
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "echo_bot.py")],
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            emu.wait_for(lambda: emu.method_counts.get("getUpdates", 0) > polls, 30, "echo bot")
            tally = Tally()
            started = time.monotonic()
            thread.run(echo_load(emu, users, tally))
            elapsed = time.monotonic() - started
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    return tally.replies / elapsed, tally


async def booking_load(emu: Emulator, parents: int, tally: Tally, first_id: int) -> None:
    async def one(n: int) -> None:
        tally.outcomes[await parent_books(emu, first_id + n, tally)] += 1

    await asyncio.gather(*(one(n) for n in range(parents)))


def bot_run(parents: int, postgres: bool, limiter: bool) -> dict[str, object]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        pg_schema() if postgres else nullcontext(f"sqlite:///{tmp}/peak.sqlite3") as url,
    ):
        prepare_db(url, places_per_slot=max(2, parents // 40))
        thread = EmulatorThread()
        with thread as emu:
            emu.enforce_limits = limiter
            emu.chat(STAFF_CHAT_ID)
            bot = BotProcess(emu, Path(tmp), url, **start_bot_env(limiter=limiter)).start()
            tally = Tally()
            started = time.monotonic()
            thread.run(booking_load(emu, parents, tally, 5_000_000))
            # busy time: up to the last reply (not the waits of parents who gave up)
            elapsed = tally.last_reply_at - started
            sent = sum(
                emu.method_counts.get(m, 0)
                for m in (
                    "sendMessage",
                    "editMessageText",
                    "editMessageReplyMarkup",
                    "sendDocument",
                )
            )
            result: dict[str, object] = {
                "replies_per_s": tally.replies / elapsed,
                "api_messages_per_s": sent / elapsed,
                "elapsed": elapsed,
                "tally": tally,
                "429": f"{emu.rate_limited} {emu.rate_limit_reasons}",
                "api_errors": dict(Counter((m, s) for m, s, _ in emu.errors_sent if s != 429)),
                "log_errors": bot.output().count(" ERROR "),
                "alive": bot.alive(),
            }
            bot.stop()
        result["bookings"], result["overbooked"] = overbookings(url)
    return result


def report(name: str, r: dict[str, object], echo_rps: float | None) -> None:
    tally = r["tally"]
    assert isinstance(tally, Tally)
    versus = (
        f" = {r['replies_per_s'] / echo_rps:.2f}× the echo bot's"  # type: ignore[operator]
        if echo_rps
        else " (Telegram allows 30 messages/s)"
    )
    print(
        f"  {name}: {r['replies_per_s']:.1f} replies/s{versus}; "
        f"{r['api_messages_per_s']:.1f} messages+edits/s sent; {r['elapsed']:.1f} s"
    )
    print(f"     {tally.line()}")
    print(
        f"     outcomes {dict(tally.outcomes)}; bookings {r['bookings']}, "
        f"overbooked slots {r['overbooked']}, 429s {r['429']}, other API errors "
        f"{r['api_errors']}, ERROR log lines {r['log_errors']}, alive {r['alive']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=100)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"bench_peak: {args.parents} parents at once, each booking with no pause")
    echo_rps, echo_tally = echo_baseline(args.parents)
    print(
        f"  bare PTB echo bot, {args.parents} users × {STEPS_PER_ECHO_USER} messages: "
        f"{echo_rps:.1f} replies/s; {echo_tally.line()}"
    )
    engines = [False] if args.sqlite_only else [False, True]
    for postgres in engines:
        engine = "PostgreSQL" if postgres else "SQLite"
        report(f"{engine}, limiter off", bot_run(args.parents, postgres, False), echo_rps)
        report(f"{engine}, limiter on ", bot_run(args.parents, postgres, True), None)


if __name__ == "__main__":
    main()
