"""Memory: resident set of `cop-bot run` idle, and after the realistic day.

    .venv/bin/python bench/bench_memory.py [--parents 500] [--over 60] [--postgres] [--web]

Starts the real bot against the emulator, reads VmRSS from /proc/<pid>/status once
start-up has settled, plays bench_day's day (500 parents over 60 s, rate limiter on) and
reads it again. Targets: ≤ 120 MB idle, ≤ 150 MB after. `--web` serves the staff's web desk
in the same process, as an installation does by default (the e2e harness turns it off).
"""

from __future__ import annotations

import argparse
import socket

from bench_day import run_day


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=500)
    parser.add_argument("--over", type=float, default=60.0)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--web", action="store_true", help="serve the web desk too")
    parser.add_argument(
        "--days", type=int, default=1, help="more days of new parents: does it keep growing?"
    )
    args = parser.parse_args()
    env = {"WEB_PORT": str(_free_port())} if args.web else {}
    tally, extra = run_day(args.parents, args.over, args.postgres, env=env, days=args.days)
    idle, after = int(extra["idle_rss_kib"]), int(extra["after_rss_kib"])  # type: ignore[call-overload]
    engine = "PostgreSQL" if args.postgres else "SQLite"
    desk = "web desk served" if args.web else "no web desk"
    print(f"bench_memory ({engine}, {desk}): cop-bot run VmRSS")
    print(f"  idle:  {idle / 1024:.1f} MiB ({idle * 1024 / 1e6:.1f} MB)")
    print(
        f"  after the day ({args.parents} parents over {args.over:.0f} s, "
        f"{sum(tally.outcomes.values())} conversations, {extra['bookings']} bookings): "
        f"{after / 1024:.1f} MiB ({after * 1024 / 1e6:.1f} MB)"
    )
    if args.days > 1:
        each = ", ".join(f"{kib / 1024:.1f}" for kib in extra["after_each_rss_kib"])  # type: ignore[attr-defined]
        print(f"  after each of {args.days} days: {each} MiB")
    print(
        f"  the day itself: {tally.line()}; outcomes {dict(tally.outcomes)}; "
        f"overbooked slots {extra['overbooked_slots']}; 429s {extra['rate_limited_429']}"
    )


if __name__ == "__main__":
    main()
