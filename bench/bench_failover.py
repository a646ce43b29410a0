"""Takeover time: two real `cop-bot run` processes on one PostgreSQL, the active one killed.

    .venv/bin/python bench/bench_failover.py [--kills 10] [--takeover 15] [--mode kill|freeze]

Each round: the active process is killed (`kill`: SIGKILL, its socket closes at once) or
frozen (`freeze`: SIGSTOP, as a hung process or a powered-off server: the database ends its
session after `idle_session_timeout`); a parent writes /start at that moment; the takeover
time is from the kill to the greeting from the standby. The dead one is started again as
the next standby (a frozen one is first woken with SIGCONT: it must exit with 75, fenced,
having sent nothing). Prints p50 / max and every round. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._load import pg_schema
from storage.db import Database
from storage.lease import Timing, read_status
from tests.emulator import EmulatorThread, User
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess


def active_pid(url: str) -> int | None:
    db = Database(url)
    try:
        with db.read() as session:
            active = read_status(session, stale_after=3600).active
    finally:
        db.dispose()
    return active.pid if active else None


def standby_pids(url: str) -> set[int]:
    db = Database(url)
    try:
        with db.read() as session:
            return {p.pid for p in read_status(session, stale_after=3600).standbys}
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--takeover", type=float, default=15.0)
    parser.add_argument("--mode", choices=("kill", "freeze"), default="kill")
    args = parser.parse_args()
    env = {"FAILOVER_TAKEOVER_SECONDS": str(args.takeover), "RATE_LIMITER": "false"}
    timing = Timing.for_takeover(args.takeover)
    times: list[float] = []
    with (
        EmulatorThread() as emulator,
        pg_schema() as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        emulator.chat(STAFF_CHAT_ID)
        db = Database(url)
        db.upgrade()
        db.dispose()
        workdir = Path(tmp)
        parent = User(emulator, 9001)
        bots = [BotProcess(emulator, workdir, url, **env).start(wait_polling=False)]
        bots.append(BotProcess(emulator, workdir, url, **env).start(wait_polling=False))
        emulator.wait_for(lambda: active_pid(url) is not None and standby_pids(url), 60, "pair")
        for round_ in range(args.kills):
            pid = active_pid(url)
            (active,) = [b for b in bots if b.alive() and b.pid == pid]
            sig = signal.SIGKILL if args.mode == "kill" else signal.SIGSTOP
            assert active.proc is not None
            active.proc.send_signal(sig)
            killed = time.monotonic()
            parent.send("/start")
            parent.wait("Здравейте", timeout=args.takeover * 2)
            took = time.monotonic() - killed
            times.append(took)
            if args.mode == "freeze":
                sent_before = emulator.seq
                active.proc.send_signal(signal.SIGCONT)
                code = active.proc.wait(timeout=30)
                assert code == 75, f"a frozen process woke and exited with {code}"
                assert not [e for e in emulator.chat_events(9001, after=sent_before) if e.text], (
                    "the woken process sent something"
                )
            else:
                active.kill()
            print(f"round {round_ + 1}: takeover {took:.2f} s", flush=True)
            bots = [b for b in bots if b.alive()]
            fresh = BotProcess(emulator, workdir, url, **env).start(wait_polling=False)
            bots.append(fresh)
            emulator.wait_for(lambda f=fresh: f.pid in standby_pids(url), 60, "new standby")
        greetings = [t for t in parent.all_texts() if "Здравейте" in t]
        for bot in bots:
            bot.stop()
    print(
        f"mode {args.mode}, FAILOVER_TAKEOVER_SECONDS={args.takeover:g} "
        f"(lease {timing.lease:.2f} s, margin {timing.margin:.2f} s): {len(times)} takeovers, "
        f"p50 {statistics.median(times):.2f} s, max {max(times):.2f} s, "
        f"min {min(times):.2f} s; {len(greetings)} greetings for {len(times)} /start"
    )


if __name__ == "__main__":
    main()
