"""The single migration builds the schema on an empty database, and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on the metadata)
from storage.db import Database


def test_upgrade_on_empty_database_matches_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        db.upgrade()
        db.upgrade()  # idempotent: a second start-up changes nothing
        tables = set(inspect(db.engine).get_table_names())
        assert {"appointment", "parent", "persistedstate", "alembic_version"} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
        assert diff == [], diff
    finally:
        db.dispose()
