"""Which bot process is active: a PostgreSQL advisory lock, a deadline, and a fencing token.

Any number of bot processes may run on one PostgreSQL database; exactly one is *active*
(takes updates, runs the job queue, dispatches the outbox), the others are *standbys*. No
telegram here: `bot/failover.py` wires this into the Application.

How (all of it is what PostgreSQL gives; no consensus protocol of our own):

- **Who may be active**: the process holding the session-level advisory lock
  `(ADVISORY_LEASE, crc32(schema))` (the two-integer form, the project's own key space in
  `storage.db`; the one-integer locks of `storage.booking`/`storage.parents` live in
  another) on a dedicated autocommit connection. PostgreSQL grants it to one session at a
  time and releases it the moment that session ends: a killed process's socket closes at
  once; a powered-off server or a frozen process stops pinging and the server ends the
  session after `idle_session_timeout` = L (set on the lock's connection; TCP keepalives
  as well).
- **Deadline (the holder's side)**: the holder pings its lock connection every L/4 (the ping
  also writes its `process` row for `cop-bot status`). Its lease is *valid* until
  `t0 + L`, where `t0` is when the last ping that came back **started** (monotonic clock).
  Every Bot API request, every update taken and every outbox claim checks `valid()` first
  (the fence, `bot/failover.py`); after the deadline the process acts no more, and once a
  ping fails (the connection, hence the lock, is gone) or the deadline is M past, it exits
  (`bot/failover.py`). A connection that "comes back" is a new session without the lock.
- **Wait (the standby's side)**: a standby tries the lock every L/4. When it gets it, it
  first waits L + M (M = margin) before acting, unless the previous holder released the
  lease cleanly. Why that is enough: the old holder's last successful ping executed on the
  server before its session ended, which is before the lock was granted to the standby,
  which is before the standby's lock call returned at `ta`. So the old holder's `t0 < ta`,
  its deadline `t0 + L < ta + L`, and the standby starts acting at `ta + L + M`: at least M
  after the old holder's last possible act began. M covers what the old holder started just
  before its deadline (a request in flight, an update being handled: each is checked with
  budget). Only clock *rates* matter (monotonic clocks on both hosts), not clock offsets.
- **Fencing token (in the database)**: on getting the lock the new holder bumps
  `lease.token` at once (before its wait). The outbox claims its rows in a transaction that
  reads the token `FOR SHARE` and claims nothing unless it is still this process's
  (`holds`): a claim that began before the takeover commits before the bump (the row lock
  orders them), and one after it claims nothing, however late a stalled old holder wakes
  up. After its wait the new holder hands back every row still claimed by another process
  (`storage.outbox.release_claimed`): whatever the old one claimed but did not send goes
  out once, now, instead of after the outbox's 5-minute claim lease.

What remains (the same as with one process, and documented in docs/deploy.md): a message
Telegram accepted just before the holder died, before its "sent" commit, goes out again
(the outbox's at-least-once window), and an update the old holder had taken but not yet
answered when it died is not answered (each batch is confirmed to Telegram before it is
handled, `bot.failover.FencedRequest`, so that none is answered twice).

SQLite has no such lock and no second server: one process per database file, enforced by an
exclusive lock on `<file>.lock` (`SingleProcess`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from storage.db import ADVISORY_LEASE, normalise_url, schema_key

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

LEASE_ROW = 1


class Role(StrEnum):
    active = "active"
    standby = "standby"


class AlreadyRunning(Exception):
    """Another bot process uses this SQLite database."""


@dataclass(frozen=True)
class Timing:
    """L (lease) and M (margin) in seconds; everything else follows from them."""

    lease: float
    margin: float

    @classmethod
    def for_takeover(cls, seconds: float) -> Timing:
        """Worst case (a powered-off holder) ≈ L + L/4 + L + M ≈ 0.76 x `seconds`; the rest is
        start-up. A kill -9 takes about L/8 + L + M ≈ 0.48 x `seconds`."""
        return cls(lease=seconds / 4, margin=seconds / 5)

    @property
    def check_every(self) -> float:
        return self.lease / 4

    @property
    def wait_after_lock(self) -> float:
        return self.lease + self.margin


def libpq_url(url: str) -> str:
    """The database URL as psycopg takes it (no SQLAlchemy driver name)."""
    return (
        make_url(normalise_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def process_id() -> str:
    """Unique per process: host, pid and a random part (pids repeat across restarts)."""
    return f"{socket.gethostname()}-{os.getpid()}-{os.urandom(4).hex()}"


class Lease:
    """This process's part in the lease: wait as a standby, then keep it while active."""

    def __init__(
        self,
        url: str,
        timing: Timing,
        *,
        process: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = libpq_url(url)
        self.timing = timing
        self.process = process or process_id()
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.clock = clock
        self.token: int | None = None
        self.active = False
        self.lost = threading.Event()
        self._deadline = float("-inf")
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._key: tuple[int, int] | None = None
        self._stop = threading.Event()
        self._keeper: threading.Thread | None = None
        self._io = threading.Lock()  # one statement at a time on the lock's connection

    # --- the fence ----------------------------------------------------------------------

    def valid(self, budget: float = 0.0) -> bool:
        """Active, and the deadline is more than `budget` seconds away."""
        return self.active and not self.lost.is_set() and self.clock() + budget < self._deadline

    def remaining(self) -> float:
        return self._deadline - self.clock() if self.active else 0.0

    def holds(self, session: Session) -> bool:
        """In the caller's transaction: the lease is still ours (the token, read FOR SHARE,
        so a takeover waits for this transaction), and locally valid."""
        if not self.valid():
            return False
        row = session.connection().execute(
            text("SELECT token FROM lease WHERE id = :id FOR SHARE"), {"id": LEASE_ROW}
        )
        token = row.scalar()
        return token is not None and int(token) == self.token and self.valid()

    # --- the lock's connection ------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        import psycopg  # PostgreSQL only: a SQLite installation never loads the driver

        lease_ms = max(1000, int(self.timing.lease * 1000))
        idle = max(1, int(self.timing.lease))
        conn = psycopg.connect(
            self.url,
            autocommit=True,
            connect_timeout=max(2, int(self.timing.lease)),
            keepalives=1,
            keepalives_idle=idle,
            keepalives_interval=1,
            keepalives_count=2,
        )
        try:
            # The server ends a session that stops pinging (a frozen or powered-off holder).
            try:
                conn.execute(
                    "SELECT set_config('idle_session_timeout', %s, false)", [f"{lease_ms}"]
                )
            except psycopg.errors.UndefinedObject:  # before PostgreSQL 14
                log.warning("no idle_session_timeout: a silent holder ends by TCP keepalives")
            conn.execute("SELECT set_config('tcp_keepalives_idle', %s, false)", [str(idle)])
            conn.execute("SELECT set_config('tcp_keepalives_interval', '1', false)")
            conn.execute("SELECT set_config('tcp_keepalives_count', '2', false)")
            conn.execute("SELECT set_config('statement_timeout', %s, false)", [f"{lease_ms}"])
            schema = conn.execute("SELECT current_schema()").fetchone()
            self._key = (ADVISORY_LEASE, schema_key(str(schema[0] if schema else "public")))
        except BaseException:
            conn.close()
            raise
        return conn

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # already broken
                self._conn.close()
            self._conn = None

    def _heartbeat(self, conn: psycopg.Connection[tuple[object, ...]], role: Role) -> None:
        conn.execute(
            "INSERT INTO process (id, host, pid, role, started_at, since, last_seen) "
            "VALUES (%(id)s, %(host)s, %(pid)s, %(role)s, clock_timestamp(), clock_timestamp(),"
            " clock_timestamp()) "
            "ON CONFLICT (id) DO UPDATE SET last_seen = clock_timestamp(), role = %(role)s, "
            "since = CASE WHEN process.role = %(role)s THEN process.since "
            "ELSE clock_timestamp() END",
            {"id": self.process, "host": self.host, "pid": self.pid, "role": role.value},
        )

    # --- standby --------------------------------------------------------------------------

    def wait_until_active(self, on_takeover: Callable[[], None] | None = None) -> bool:
        """Block as a standby until this process may act; then keep the lease in a thread.

        `on_takeover` runs after the wait, before anything else acts (the outbox's claims of
        the old holder are handed back there). False: `release` was called meanwhile."""
        import psycopg  # PostgreSQL only: a SQLite installation never loads the driver

        announced = False
        while not self._stop.is_set():
            try:
                with self._io:
                    if self._conn is None:
                        self._conn = self._connect()
                    assert self._key is not None
                    got = self._conn.execute(
                        "SELECT pg_try_advisory_lock(%s, %s)", self._key
                    ).fetchone()
                    self._heartbeat(self._conn, Role.standby)
                if got and got[0]:
                    acquired_at = self.clock()
                    if self._take_over(acquired_at, on_takeover):
                        return True
                elif not announced:
                    log.info("standby: another process is active; waiting for the lease")
                    announced = True
            except psycopg.Error as exc:
                log.warning("standby: database unreachable (%s); trying again", type(exc).__name__)
                self._close()
            self._stop.wait(self.timing.check_every)
        return False

    def _take_over(self, acquired_at: float, on_takeover: Callable[[], None] | None) -> bool:
        """Bump the token now; act only after the old holder's deadline + M (see above)."""
        assert self._conn is not None
        with self._io:
            row = self._conn.execute(
                "SELECT holder FROM lease WHERE id = %s", [LEASE_ROW]
            ).fetchone()
            clean = row is None or not row[0]
            bumped = self._conn.execute(
                "INSERT INTO lease (id, holder, token, since) "
                "VALUES (%(id)s, %(me)s, 1, clock_timestamp()) "
                "ON CONFLICT (id) DO UPDATE SET holder = %(me)s, token = lease.token + 1, "
                "since = clock_timestamp() RETURNING token",
                {"id": LEASE_ROW, "me": self.process},
            ).fetchone()
            # Rows of processes gone for a day only clutter `cop-bot status`.
            self._conn.execute(
                "DELETE FROM process WHERE last_seen < clock_timestamp() - interval '1 day'"
            )
        assert bumped is not None
        self.token = int(str(bumped[0]))
        wait_until = acquired_at + (0.0 if clean else self.timing.wait_after_lock)
        log.info(
            "got the lease (token %d); acting in %.1fs",
            self.token,
            max(0.0, wait_until - self.clock()),
        )
        while self.clock() < wait_until:  # keep the lock's session alive while waiting
            self._stop.wait(min(self.timing.check_every, max(0.0, wait_until - self.clock())))
            if self._stop.is_set():
                return False
            started = self.clock()
            self._ping(Role.standby)
            self._deadline = started + self.timing.lease
        started = self.clock()
        self._ping(Role.active)
        self._deadline = started + self.timing.lease
        self.active = True
        if on_takeover is not None:
            on_takeover()
        self._keeper = threading.Thread(target=self._keep, name="lease", daemon=True)
        self._keeper.start()
        return True

    def _ping(self, role: Role) -> None:
        with self._io:
            assert self._conn is not None
            self._heartbeat(self._conn, role)

    # --- active ---------------------------------------------------------------------------

    def _keep(self) -> None:
        """Ping every L/4; a failed ping means the session, and with it the lock, is gone."""
        import psycopg  # PostgreSQL only: a SQLite installation never loads the driver

        while not self._stop.wait(self.timing.check_every):
            started = self.clock()
            try:
                self._ping(Role.active)
            except psycopg.Error as exc:
                log.error("lost the lease: its connection failed (%s)", type(exc).__name__)
                self.lost.set()
                return
            self._deadline = started + self.timing.lease

    def overdue(self) -> bool:
        """No confirmed ping for L + M: the lease may be someone else's by now."""
        return self.active and self.clock() > self._deadline + self.timing.margin

    def release(self) -> None:
        """A clean stop: everything has stopped acting, so a standby may act at once."""
        import psycopg  # PostgreSQL only: a SQLite installation never loads the driver

        self._stop.set()
        if self._keeper is not None:
            self._keeper.join(timeout=self.timing.lease)
        was_active = self.active and not self.lost.is_set()
        self.active = False
        try:
            with self._io:
                if self._conn is not None:
                    if was_active:
                        self._conn.execute(
                            "UPDATE lease SET holder = '' WHERE id = %s AND token = %s",
                            [LEASE_ROW, self.token],
                        )
                    self._conn.execute("DELETE FROM process WHERE id = %s", [self.process])
                    if self._key is not None:
                        self._conn.execute("SELECT pg_advisory_unlock_all()")
        except psycopg.Error:
            pass  # the session ends below: the lock goes with it
        finally:
            self._close()


# --- status -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessInfo:
    id: str
    host: str
    pid: int
    role: str
    since: datetime
    last_seen: datetime
    stale: bool  # not seen for a while: gone (killed, or its server is off)


@dataclass(frozen=True)
class Status:
    holder: str | None
    token: int | None
    since: datetime | None
    processes: list[ProcessInfo]

    @property
    def active(self) -> ProcessInfo | None:
        for p in self.processes:
            if p.id == self.holder and p.role == Role.active and not p.stale:
                return p
        return None

    @property
    def standbys(self) -> list[ProcessInfo]:
        return [p for p in self.processes if p.role == Role.standby and not p.stale]


def read_status(session: Session, stale_after: float) -> Status:
    """The lease and the processes as the database has them (stale: silent `stale_after` s)."""
    lease = (
        session.connection()
        .execute(text("SELECT holder, token, since FROM lease WHERE id = :id"), {"id": LEASE_ROW})
        .first()
    )
    rows = (
        session.connection()
        .execute(
            text(
                "SELECT id, host, pid, role, since, last_seen, "
                "last_seen < now() - make_interval(secs => :stale) AS stale "
                "FROM process ORDER BY role, since"
            ),
            {"stale": stale_after},
        )
        .all()
    )
    return Status(
        holder=(lease[0] or None) if lease else None,
        token=int(lease[1]) if lease else None,
        since=lease[2] if lease else None,
        processes=[
            ProcessInfo(
                id=r[0],
                host=r[1],
                pid=int(r[2]),
                role=r[3],
                since=r[4],
                last_seen=r[5],
                stale=bool(r[6]),
            )
            for r in rows
        ],
    )


# --- SQLite: one process per file ---------------------------------------------------------------


class SingleProcess:
    """An exclusive lock on `<database>.lock`, held while the process lives (SQLite)."""

    def __init__(self, database: str) -> None:
        self.path = Path(f"{database}.lock")
        self._lock = FileLock(self.path)

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout as exc:
            raise AlreadyRunning(str(self.path)) from exc

    def release(self) -> None:
        self._lock.release()


def sqlite_file(url: str) -> str | None:
    """The database file of a SQLite URL (None: not SQLite, or in memory)."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    return database if database and database != ":memory:" else None
