"""Key-value rows behind the bot's persistence (conversation states, user data)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlmodel import Session, col, delete, select

from storage.db import Database
from storage.models import PersistedState


def load_all(db: Database, *, kind: str, name: str = "") -> dict[str, Any]:
    with db.session() as session:
        rows = session.exec(
            select(PersistedState).where(PersistedState.kind == kind, PersistedState.name == name)
        ).all()
        return {row.key: json.loads(row.data) for row in rows}


# (kind, name, key) -> JSON text, or None to delete the row
Slot = tuple[str, str, str]


def encode(value: Any) -> str | None:
    """The stored form of a value; None (or nothing) deletes the row."""
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def save(db: Database, *, kind: str, key: str, value: Any, name: str = "") -> None:
    """Upsert one row; `None` deletes it. Values must be JSON (dates as ISO strings)."""
    save_many(db, {(kind, name, key): encode(value)})


def save_many(db: Database, rows: dict[Slot, str | None]) -> None:
    """Write all of one update's changes at once (one statement or one transaction).

    On PostgreSQL the usual case, rows to upsert and none to delete, is one statement in
    autocommit whose commit does not wait for the WAL flush: a conversation step lost in
    a database crash costs the parent one tap, while waiting costs every step an fsync.
    Deletes (a conversation ended) go with the upserts in one ordinary transaction.
    Bookings themselves are committed by their own, fully durable transactions.
    """
    if not rows:
        return
    upserts = [
        {"kind": k, "name": n, "key": key, "data": d}
        for (k, n, key), d in rows.items()
        if d is not None
    ]
    deletes = [slot for slot, d in rows.items() if d is None]
    # Core, not the ORM: this runs after every update.
    if not deletes and db.state_autocommits:
        with db.state_engine.connect() as connection:
            _upsert(db, connection, upserts)
        return
    with db.engine.connect() as connection:
        sqlite = db.dialect == "sqlite"
        if sqlite:  # a lost conversation step costs one tap; an fsync per update costs more
            _raw_pragma(connection, "PRAGMA synchronous=NORMAL")
        try:
            with connection.begin():
                if upserts:
                    _upsert(db, connection, upserts)
                table = PersistedState.__table__  # type: ignore[attr-defined]
                for kind, name, key in deletes:
                    connection.execute(
                        table.delete().where(
                            table.c.kind == kind, table.c.name == name, table.c.key == key
                        )
                    )
        finally:
            if sqlite:  # bookings and outbox rows on this pooled connection: durable again
                _raw_pragma(connection, "PRAGMA synchronous=FULL")


def _raw_pragma(connection: Connection, pragma: str) -> None:
    """Outside any transaction (SQLAlchemy would BEGIN IMMEDIATE around a statement)."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(pragma)
    finally:
        cursor.close()


def _upsert(db: Database, connection: Connection, rows: list[dict[str, str]]) -> None:
    """One INSERT … ON CONFLICT for all rows: SQLAlchemy sends an executemany as one
    multi-row statement (insertmanyvalues), so it is atomic even in autocommit."""
    connection.execute(_UPSERTS[db.dialect == "postgresql"], rows)


def _upsert_statement(insert: Any) -> Any:
    statement = insert(PersistedState)
    return statement.on_conflict_do_update(
        index_elements=["kind", "name", "key"], set_={"data": statement.excluded.data}
    )


# Built once: the statement is compiled once per engine and then found in SQLAlchemy's cache.
_UPSERTS = {True: _upsert_statement(pg_insert), False: _upsert_statement(sqlite_insert)}


def forget_user(session: Session, *, user_id: int, chat_id: int | None = None) -> int:
    """Delete a person's user data, private chat data and conversation states (/forget)."""
    removed = 0
    doomed = [("user", "", str(user_id))]
    if chat_id is not None:
        doomed.append(("chat", "", str(chat_id)))
    for row in session.exec(select(PersistedState).where(PersistedState.kind == "conversation")):
        try:
            key = json.loads(row.key)
        except ValueError:
            continue
        # Conversation keys are (chat_id, user_id) or (user_id,): the user id comes last.
        if isinstance(key, list) and key and key[-1] == user_id:
            doomed.append((row.kind, row.name, row.key))
    for kind, name, key in doomed:
        result = session.exec(
            delete(PersistedState).where(
                col(PersistedState.kind) == kind,
                col(PersistedState.name) == name,
                col(PersistedState.key) == key,
            )
        )
        removed += result.rowcount or 0
    return removed


class AsyncStateWriter:
    """PostgreSQL: `save_many` on an asyncio connection of its own.

    The bot writes its state after every update. Through the synchronous engine the event
    loop waits for that round trip (every chat waits with it); in a worker thread the
    hand-offs of the GIL cost more than the wait. psycopg's asyncio connection lets the loop
    serve other chats meanwhile. One connection, used by one write at a time (the caller
    serialises); a broken one is replaced on the next write.
    """

    _UPSERT = (
        f"INSERT INTO {PersistedState.__tablename__} (kind, name, key, data) "
        "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[]) "
        "ON CONFLICT (kind, name, key) DO UPDATE SET data = excluded.data"
    )
    _DELETE = (
        f"DELETE FROM {PersistedState.__tablename__} WHERE (kind, name, key) IN "
        "(SELECT * FROM unnest(%s::text[], %s::text[], %s::text[]))"
    )

    def __init__(self, db: Database) -> None:
        self.conninfo = (
            make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
        )
        self._connection: Any = None

    async def _connect(self) -> Any:
        if self._connection is None or self._connection.closed:
            import psycopg  # PostgreSQL only

            connection = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
            await connection.execute("SET synchronous_commit TO OFF")  # see `save_many`
            self._connection = connection
        return self._connection

    async def save_many(self, rows: dict[Slot, str | None]) -> None:
        """As `save_many`: upserts alone in one statement; with deletes, one transaction."""
        if not rows:
            return
        upserts = [(*slot, data) for slot, data in rows.items() if data is not None]
        deletes = [slot for slot, data in rows.items() if data is None]
        connection = await self._connect()
        try:
            if not deletes:
                await connection.execute(self._UPSERT, _columns(upserts, 4))
                return
            async with connection.transaction():
                if upserts:
                    await connection.execute(self._UPSERT, _columns(upserts, 4))
                await connection.execute(self._DELETE, _columns(deletes, 3))
        except BaseException:
            await self.close()  # a fresh connection next time; the caller keeps the rows
            raise

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            with contextlib.suppress(Exception):
                await connection.close()


def _columns(rows: Sequence[tuple[str, ...]], width: int) -> list[list[str]]:
    """Rows as columns, for unnest()."""
    return [[row[i] for row in rows] for i in range(width)]
