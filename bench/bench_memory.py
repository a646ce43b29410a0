"""Memory: resident set of `cop-bot run` idle, and after the realistic day.

    .venv/bin/python bench/bench_memory.py [--parents 500] [--over 60]

Starts the real bot against the emulator, reads VmRSS from /proc/<pid>/status once
start-up has settled, plays bench_day's day (500 parents over 60 s, rate limiter on) and
reads it again. Targets: ≤ 120 MB idle, ≤ 150 MB after.
"""

from __future__ import annotations

import argparse

from bench_day import run_day


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parents", type=int, default=500)
    parser.add_argument("--over", type=float, default=60.0)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    tally, extra = run_day(args.parents, args.over, args.postgres)
    idle, after = int(extra["idle_rss_kib"]), int(extra["after_rss_kib"])  # type: ignore[call-overload]
    print(f"bench_memory ({'PostgreSQL' if args.postgres else 'SQLite'}): cop-bot run VmRSS")
    print(f"  idle:  {idle / 1024:.1f} MiB ({idle * 1024 / 1e6:.1f} MB)")
    print(
        f"  after the day ({args.parents} parents over {args.over:.0f} s, "
        f"{sum(tally.outcomes.values())} conversations, {extra['bookings']} bookings): "
        f"{after / 1024:.1f} MiB ({after * 1024 / 1e6:.1f} MB)"
    )
    print(
        f"  the day itself: {tally.line()}; outcomes {dict(tally.outcomes)}; "
        f"overbooked slots {extra['overbooked_slots']}; 429s {extra['rate_limited_429']}"
    )


if __name__ == "__main__":
    main()
