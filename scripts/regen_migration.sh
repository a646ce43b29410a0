#!/usr/bin/env bash
# Until the first release the schema is one migration: regenerate it from storage/models.py.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f storage/migrations/versions/0001_initial.py
tmp=$(mktemp -d)
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from storage.db import alembic_config, make_engine
engine = make_engine(f"sqlite:///{sys.argv[1]}/empty.sqlite3")
command.revision(alembic_config(engine), message="initial schema", autogenerate=True, rev_id="0001", )
PY
mv storage/migrations/versions/0001_*.py storage/migrations/versions/0001_initial.py 2>/dev/null || true
.venv/bin/ruff format -q storage/migrations/versions/ && .venv/bin/ruff check -q --fix storage/migrations/versions/ || true
rm -rf "$tmp"
echo "regenerated storage/migrations/versions/0001_initial.py"
