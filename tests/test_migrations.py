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


def test_schema_head_is_alembics_head(db_url: str) -> None:
    """`SCHEMA_HEAD` names the newest migration: a new one must update it."""
    from alembic.script import ScriptDirectory

    from storage.db import SCHEMA_HEAD, alembic_config, schema_revision

    db = Database(db_url)
    try:
        assert ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head() == (
            SCHEMA_HEAD
        )
        assert schema_revision(db.engine) is None
        db.upgrade()
        assert schema_revision(db.engine) == SCHEMA_HEAD
    finally:
        db.dispose()
