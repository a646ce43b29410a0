"""PostgreSQL: a pooled connection the server dropped while idle is replaced, not used."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from storage import db as db_module
from storage.db import Database
from tests.conftest import PG_ADMIN_URL


def test_a_dropped_idle_connection_is_replaced(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no server to drop connections")
    with db.session() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # as a server restart would
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)  # it has been idle long enough
    with db.session() as session:
        assert session.execute(text("SELECT pg_backend_pid()")).scalar() != pid
