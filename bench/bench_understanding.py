"""Understanding free text: the figures per category on the hand-written sets, and the cost.

    .venv/bin/python bench/bench_understanding.py [--repeat 20] [--verbose]

Prints crisis recall (all, per category, Latin script, right category), false alarms on
everyday messages, informational mentions answered beyond the numbers, FAQ accuracy, then
what reading one message costs: the first time a word is seen (lemma, classes, typo
search) and once the per-word cache is warm (what the bot pays for most messages).
Targets of the issue: recall ≥ 97% (own sets ≥ 99%), every category ≥ 90%, false alarms
≤ 5% (own ≤ 3%), informational ≥ 90%, FAQ ≥ 90% (own ≥ 95%).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.text import Understanding
from tests.understanding.measure import (
    crisis_set,
    faq_set,
    informational_set,
    measure,
    ordinary_set,
)


def _all_texts() -> list[str]:
    return (
        [t for _, t in crisis_set()]
        + ordinary_set()
        + informational_set()
        + [t for _, t in faq_set()]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()

    started = time.perf_counter()
    reader = Understanding.from_directory()
    load_ms = (time.perf_counter() - started) * 1000
    texts = _all_texts()

    # Cold: every word new to the process (lemma, classes, typo search), no message cache.
    started = time.perf_counter()
    for text in texts:
        reader._read(text)
    cold_us = (time.perf_counter() - started) / len(texts) * 1e6

    # Warm: words known (the bot's usual case), each message read afresh.
    rounds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for text in texts:
            reader._read(text)
        rounds.append((time.perf_counter() - started) / len(texts) * 1e6)
    warm_us = statistics.median(rounds)
    longest = max(texts, key=len)
    started = time.perf_counter()
    for _ in range(200):
        reader._read(longest)
    long_us = (time.perf_counter() - started) / 200 * 1e6

    figures = measure(reader)
    sizes = figures.sizes
    print(f"sets: {sizes}")
    print(f"crisis recall:           {figures.recall:7.1%}  (target ≥ 97%, own ≥ 99%)")
    for category, recall in figures.by_category.items():
        print(f"  {category:<22} {recall:7.1%}  (target ≥ 90%)")
    print(f"  Latin script           {figures.latin_recall:7.1%}")
    print(f"  right category         {figures.right_category:7.1%}")
    print(f"false alarms (everyday): {figures.false_alarms:7.1%}  (target ≤ 5%, own ≤ 3%)")
    print(f"informational answered:  {figures.informational:7.1%}  (target ≥ 90%)")
    print(f"FAQ right intent:        {figures.faq:7.1%}  (target ≥ 90%, own ≥ 95%)")
    print(f"load word classes + rules: {load_ms:.0f} ms (once per process)")
    print(f"cost per message, cold words: {cold_us:.0f} µs")
    print(
        f"cost per message, warm words: {warm_us:.0f} µs median, {min(rounds):.0f} µs best "
        f"of {args.repeat} rounds"
    )
    print(f"longest message ({len(longest)} chars), warm: {long_us:.0f} µs")
    if args.verbose:
        for label, items in (
            ("missed", figures.missed),
            ("false alarm", figures.alarms),
            ("not answered", figures.unanswered),
            ("wrong intent", figures.wrong_faq),
        ):
            for item in items:
                print(f"  {label}: {item}")


if __name__ == "__main__":
    main()
