"""The running bot keeps out of memory what it does not need (issue 17's memory target).

Each package below costs the process 3–10 MB for as long as it runs; `bench/bench_memory.py`
gives the figures. A new top-level import of one of them fails here, with the reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Why each stays out of `cop-bot run` (on SQLite, the database at the newest migration):
KEPT_OUT = {
    "alembic": "storage.db.upgrade_schema skips it when the schema is at SCHEMA_HEAD",
    "mako": "Alembic's templates, the same",
    "holidays": "storage/public_holidays.py works them out in a child process",
    "psycopg": "PostgreSQL only: storage/lease.py imports it where it is used",
    "icalendar": "admin/ics.py imports it on the first calendar file",
}

_PROBE = """
import json, sys
from bot import cli, runner, app, failover, text
from storage import db, slots
from admin import notices, export
text.word_forms("удари")  # simplemma's dictionary, read in place
json.dump(sorted({m.split('.')[0] for m in sys.modules}), sys.stdout)
"""


def test_the_running_bot_does_not_import_what_it_does_not_need() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout))
    assert not {name: why for name, why in KEPT_OUT.items() if name in loaded}
