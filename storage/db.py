"""Engine, short sessions and schema upgrades for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import time as clock
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine, select

from storage.models import BookingRules, OpeningHours

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# The project's key space for session-level advisory locks (the two-integer form; the
# transaction locks of storage.booking and storage.parents use the one-integer form, a space
# of its own): (namespace, crc32 of the schema), so bots on several schemas never meet.
ADVISORY_LEASE = 0x434F50  # "COP": the active process (storage.lease)
ADVISORY_MIGRATIONS = ADVISORY_LEASE + 1  # one schema upgrade at a time


def schema_key(schema: str) -> int:
    """The second key of a project lock: the schema's crc32 as a signed 32-bit integer."""
    value = zlib.crc32(schema.encode())
    return value - 2**32 if value >= 2**31 else value


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(
    url: str, *, pool_size: int = 5, sqlite_reads: bool = False, **options: Any
) -> Engine:
    """`sqlite_reads`: an SQLite engine for reads only (deferred BEGIN: no write lock)."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=NullPool if database in (None, "", ":memory:") else None,
        )
        _sqlite_transactions(engine, immediate=not sqlite_reads)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=2 * pool_size, **options)
    _ping_when_idle(engine)
    return engine


# A pooled connection unused for this long is tested before use (see `_ping_when_idle`).
IDLE_PING_SECONDS = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only when it has been idle a while.

    SQLAlchemy's `pool_pre_ping` tests every checkout: a round trip for each of the several
    short transactions a booking step opens. A restarted database drops connections that
    were idle (nothing ran on them), so testing those is enough to never hand a parent's
    update a dead connection; a connection in steady use proves itself.
    """

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = clock.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is not None and clock.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()
        except Exception as exc:  # the pool replaces the connection and tries again
            raise DisconnectionError() from exc


def _sqlite_transactions(engine: Engine, *, immediate: bool) -> None:
    """Writers take the write lock at BEGIN (BEGIN IMMEDIATE); readers do not (BEGIN).

    BEGIN IMMEDIATE serialises check-then-insert (capacity, limits) across threads and
    processes, which is what the booking rules need; SQLite has one writer anyway. Reads
    (`Database.read`) run deferred on an engine of their own, so a page of free times or a
    list never waits for, nor holds up, a booking. Commits are `synchronous=FULL`: a
    booking or an outbox row that was committed survives a power cut (WAL + NORMAL may
    lose the last commits); the conversation state opts out (`storage.state.save_many`).
    """
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


class Database:
    """One engine per process; services open one short session per call."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self._state_engine: Engine | None = None
        self._read_engine: Engine | None = None

    @property
    def state_engine(self) -> Engine:
        """Where the bot writes its conversation state after every update.

        On PostgreSQL a one-connection pool of its own in autocommit whose commits don't
        wait for the WAL flush (see `storage.state.save_many`): one round trip per update
        instead of BEGIN, upsert, COMMIT. Elsewhere the main engine.
        """
        if self.dialect != "postgresql":
            return self.engine
        if self._state_engine is None:
            self._state_engine = make_engine(self.url, pool_size=1, isolation_level="AUTOCOMMIT")

            @event.listens_for(self._state_engine, "connect")
            def _no_flush_wait(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute("SET synchronous_commit TO OFF")
                cursor.close()

        return self._state_engine

    @property
    def state_autocommits(self) -> bool:
        return self.state_engine is not self.engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> AbstractContextManager[Session]:
        """One transaction: committed on success, rolled back on any exception."""
        return _committed(self.engine)

    def read(self) -> AbstractContextManager[Session]:
        """A session for reads only: on PostgreSQL no BEGIN and COMMIT round trips.

        PostgreSQL runs each statement in autocommit (psycopg otherwise sends BEGIN and
        COMMIT as round trips of their own, two of the three in a one-query read). The
        statements of one `read` then see no common snapshot, which views that show free
        times or a parent's data don't need; anything that decides (booking, limits)
        uses `session`. SQLite: a deferred BEGIN (no write lock; a consistent snapshot).
        """
        if self._read_engine is None:
            # A pool of its own: switching a pooled connection to autocommit and back
            # costs more round trips than it saves.
            self._read_engine = (
                make_engine(self.url, pool_size=3, isolation_level="AUTOCOMMIT")
                if self.dialect == "postgresql"
                else self._sqlite_read_engine()
            )
        return _committed(self._read_engine)

    def _sqlite_read_engine(self) -> Engine:
        database = make_url(self.url).database
        if database in (None, "", ":memory:"):
            return self.engine  # one in-memory database: no second connection to it
        return make_engine(self.url, sqlite_reads=True)

    def upgrade(self) -> None:
        """Bring the schema to the newest migration and seed default rules."""
        with one_upgrade_at_a_time(self.engine):
            upgrade_schema(self.engine)
            seed_defaults(self)

    def dispose(self) -> None:
        self.engine.dispose()
        for extra in (self._state_engine, self._read_engine):
            if extra is not None and extra is not self.engine:
                extra.dispose()


@contextmanager
def _committed(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


# The newest migration's revision (tests/test_migrations.py checks it against
# Alembic's head). A restart of a database already at it skips importing Alembic and Mako,
# about 10 MB the running bot would otherwise keep for nothing.
SCHEMA_HEAD = "0001"


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at; None before the first migration."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_schema(engine: Engine) -> None:
    if schema_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


@contextmanager
def one_upgrade_at_a_time(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, a session lock while the schema is upgraded and seeded: two servers
    may start at once (bot/failover.py)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar() or "public"
        key = {"ns": ADVISORY_MIGRATIONS, "k": schema_key(str(schema))}
        conn.execute(text("SELECT pg_advisory_lock(:ns, :k)"), key)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:ns, :k)"), key)
            conn.commit()


# Documented assumption (the seeds give no hours): Monday–Friday 09:00–12:00 and
# 13:00–17:00, 60-minute slots, one place each, 2 hours lead time, 21 days ahead.
# Staff change them with `cop-admin hours set` and /close, /open.
DEFAULT_HOURS: tuple[tuple[time, time], ...] = (
    (time(9, 0), time(12, 0)),
    (time(13, 0), time(17, 0)),
)
DEFAULT_WEEKDAYS = (0, 1, 2, 3, 4)


def seed_defaults(db: Database) -> None:
    with db.session() as session:
        if session.exec(select(BookingRules)).first() is not None:
            return
        session.add(BookingRules(id=1))
        for weekday in DEFAULT_WEEKDAYS:
            for opens, closes in DEFAULT_HOURS:
                session.add(OpeningHours(weekday=weekday, opens=opens, closes=closes))
