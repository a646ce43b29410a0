"""Bulgaria's public holidays by the `holidays` package, worked out in a short-lived child.

Why a child process: importing any one country from `holidays` imports every country's
calendar (about 250 modules, some 12 MB that the bot would keep for its whole life) while
the centre needs a dozen dates a year. The child prints a year's holidays as JSON and
exits; the answer is kept here, per year. `warm` asks for this year and the next at
start-up, so no parent waits for it. If the child cannot run, the package is imported here
after all: the answer is the same, the process only bigger.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterable
from datetime import date

log = logging.getLogger(__name__)

PYTHON = sys.executable  # the child runs on this process's interpreter and packages
COUNTRY = "BG"
LANGUAGE = "bg"  # the names staff and parents see ("Великден")

# Self-contained: the child imports nothing of ours, and `-P` keeps the working directory
# off its path, so it runs the same from anywhere.
_CHILD = """
import json, sys
import holidays
country, language, *years = sys.argv[1:]
out = {}
for year in years:
    days = holidays.country_holidays(country, language=language, years=int(year))
    out[str(year)] = {day.isoformat(): name for day, name in sorted(days.items())}
json.dump(out, sys.stdout)  # ASCII escapes: whatever the locale, the pipe is safe
"""

_known: dict[int, dict[date, str]] = {}
_lock = threading.Lock()


def _in_this_process(years: Iterable[int]) -> dict[int, dict[date, str]]:
    import holidays

    return {
        year: dict(holidays.country_holidays(COUNTRY, language=LANGUAGE, years=year).items())
        for year in years
    }


def _from_child(years: list[int]) -> dict[int, dict[date, str]]:
    try:
        done = subprocess.run(
            [PYTHON, "-P", "-c", _CHILD, COUNTRY, LANGUAGE, *map(str, years)],
            capture_output=True,
            timeout=120,
            check=True,
        )
        answer = json.loads(done.stdout.decode("utf-8"))
        return {
            int(year): {date.fromisoformat(day): str(name) for day, name in days.items()}
            for year, days in answer.items()
        }
    except (OSError, subprocess.SubprocessError, ValueError, AttributeError) as exc:
        log.warning(
            "public holidays: the child process failed (%s); reading them here",
            type(exc).__name__,
        )
        return _in_this_process(years)


def warm(years: Iterable[int]) -> None:
    """Work out the years not known yet, all in one child process."""
    with _lock:
        missing = sorted({y for y in years if y not in _known})
        if missing:
            _known.update(_from_child(missing))


def for_year(year: int) -> dict[date, str]:
    """Every public holiday of `year`: its day and its Bulgarian name."""
    days = _known.get(year)
    if days is None:  # a long-running process reaching a new year: the next one with it
        warm([year, year + 1])
        days = _known[year]
    return days


def holiday(day: date) -> str | None:
    """The public holiday's name on `day`, None on a working day."""
    return for_year(day.year).get(day)
