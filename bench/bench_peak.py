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
# The update kinds of one booking, in order: /start, the menu button, topic, skip the note,
# day, time, consent (taps), the name (text), the phone (contact), Потвърди (tap).
BOOKING_MIX = ("text", "text", "tap", "tap", "tap", "tap", "tap", "text", "contact", "tap")
TEXTS_ONLY = ("text",) * STEPS_PER_ECHO_USER


async def echo_load(emu: Emulator, users: int, tally: Tally, kinds: tuple[str, ...]) -> None:
    async def one(n: int) -> None:
        user = User(emu, 8_000_000 + n)
        last_message_id = 1
        for k, kind in enumerate(kinds):
            started = time.monotonic()
            if kind == "tap":
                user.tap(f"echo:{k}", last_message_id)
            elif kind == "contact":
                user.share_contact(f"+35988{n:07d}")
            else:
                user.send(f"здравейте {k}")
            event = await user.wait_async(within=30)
            last_message_id = event.message_id or last_message_id
            tally.latencies.append(event.at - started)
            tally.replies += 1
            tally.last_reply_at = max(tally.last_reply_at, event.at)

    await asyncio.gather(*(one(n) for n in range(users)))


def echo_baseline(users: int, kinds: tuple[str, ...]) -> tuple[float, Tally]:
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
            thread.run(echo_load(emu, users, tally, kinds))
            elapsed = time.monotonic() - started
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    return tally.replies / elapsed, tally


async def booking_load(emu: Emulator, parents: int, tally: Tally, first_id: int) -> None:
    async def one(n: int) -> None:
        tally.outcomes[await parent_books(emu, first_id + n, tally)] += 1
        tally.first_done_at = tally.first_done_at or time.monotonic()

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
            # Telegram's budget in use while every parent is still booking: messages and
            # edits per second from the first reply until the first parent is done.
            times = sorted(
                e.at for e in emu.events if e.method in ("sendMessage", "editMessageText")
            )
            busy = [t for t in times if started <= t <= tally.first_done_at]
            steady = (len(busy) - 1) / (busy[-1] - busy[0]) if len(busy) > 1 else 0.0
            result: dict[str, object] = {
                "replies_per_s": tally.replies / elapsed,
                "steady_messages_per_s": steady,
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
        f" = {r['replies_per_s'] / echo_rps:.2f}× the echo bot's on the same mix"  # type: ignore[operator]
        if echo_rps
        else " (Telegram allows 30 messages/s)"
    )
    print(
        f"  {name}: {r['replies_per_s']:.1f} replies/s{versus}; "
        f"{r['api_messages_per_s']:.1f} messages+edits/s sent "
        f"({r['steady_messages_per_s']:.1f}/s while all parents were booking); "
        f"{r['elapsed']:.1f} s"
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
    text_rps, text_tally = echo_baseline(args.parents, TEXTS_ONLY)
    print(
        f"  bare PTB echo bot, {args.parents} users × {STEPS_PER_ECHO_USER} texts: "
        f"{text_rps:.1f} replies/s; {text_tally.line()}"
    )
    echo_rps, echo_tally = echo_baseline(args.parents, BOOKING_MIX)
    print(
        f"  bare PTB echo bot, {args.parents} users × the booking's {len(BOOKING_MIX)} "
        f"updates (texts, a contact, taps answered and edited): {echo_rps:.1f} replies/s; "
        f"{echo_tally.line()}"
    )
    engines = [False] if args.sqlite_only else [False, True]
    for postgres in engines:
        engine = "PostgreSQL" if postgres else "SQLite"
        report(f"{engine}, limiter off", bot_run(args.parents, postgres, False), echo_rps)
        report(f"{engine}, limiter on ", bot_run(args.parents, postgres, True), None)


if __name__ == "__main__":
    main()
