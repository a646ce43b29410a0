"""Conversation state is written where commits don't wait for the disk (PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from storage import state
from storage.db import Database


def test_state_rows_round_trip_through_the_state_engine(db: Database) -> None:
    state.save_many(db, {("user", "", "7"): '{"a": 1}', ("user", "", "8"): '{"b": 2}'})
    state.save_many(db, {("user", "", "7"): None, ("user", "", "8"): '{"b": 3}'})
    assert state.load_all(db, kind="user") == {"8": {"b": 3}}
    if db.dialect == "postgresql":
        with db.state_engine.connect() as connection:
            assert connection.execute(text("SHOW synchronous_commit")).scalar() == "off"
        with db.engine.connect() as connection:  # bookings keep durable commits
            assert connection.execute(text("SHOW synchronous_commit")).scalar() == "on"
    else:
        assert db.state_engine is db.engine
