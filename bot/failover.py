"""Several `cop-bot run`/`webhook` processes on one database: one active, the rest standbys.

The Telegram side of `storage.lease` (read its docstring for the argument). The runner
calls, in this order: `Failover.for_settings` (SQLite: refuse a second process), builds the
Application with `request()` and `processor()` (the fences), `become_active()` (a standby
blocks here until the lease is its own; nothing is initialised before, so the conversation
state, the job queue and the outbox all start from what the database has *then*), runs PTB
as usual, and `release()` at a clean stop.

The fences, checked by every path that acts:
- `FencedRequest`: no Bot API request starts unless the lease is valid; a getUpdates
  answer that arrives with less than `budget` left is thrown away (unconfirmed, so Telegram
  gives those updates to the next active process); a batch taken is confirmed to Telegram
  before any handler answers it (so no update is answered by two processes).
- `bot.runner.ResilientRequest` retries a failed request only while the lease is valid.
- `FencedProcessor`: an update is handled only with `budget` left (webhook updates, and
  polled ones that waited in the queue).
- the outbox: `services.fence` (claims check the token in their transaction; each send
  checks the deadline: `admin.outbox`).
A watchdog ends the process (exit 75) once the lease's connection failed or its deadline
is M past: it acts no more, and the service manager starts it again as a standby. There is
no flush on the way out: its conversation state was written after every update, and a
late write could overwrite the new active process's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from telegram import Bot
from telegram.error import NetworkError
from telegram.ext import Application, BaseUpdateProcessor
from telegram.request import BaseRequest, RequestData

from admin.telegram.outbox import worker_id
from bot.config import Settings
from bot.context import SERVICES_KEY
from bot.services import Services
from storage import outbox as outbox_repo
from storage.lease import AlreadyRunning, Lease, SingleProcess, Timing, sqlite_file

log = logging.getLogger(__name__)

EXIT_LEASE_LOST = 75  # EX_TEMPFAIL: "start me again"

__all__ = ["EXIT_LEASE_LOST", "AlreadyRunning", "Failover", "FencedProcessor", "FencedRequest"]


class NotActive(NetworkError):
    """This process does not hold the active lease (any more): the request was not sent."""


class FencedRequest(BaseRequest):
    """Any `BaseRequest`, but only while this process holds a valid lease.

    A batch of updates is also confirmed to Telegram before PTB gets it: a short
    getUpdates with the next offset (through `bot`, set once the process is active). PTB
    confirms a batch only with its next long poll, which may reach Telegram after a handler
    answered; a process dying in between would leave an answered update to the next active
    process, which would answer it again. Confirmed first, an update is handled at most once
    across processes: one fetched and not yet answered when the process dies is lost.
    """

    def __init__(self, inner: BaseRequest, lease: Lease, budget: float) -> None:
        self.inner = inner
        self.lease = lease
        self.budget = budget
        self.bot: Bot | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(  # type: ignore[override]
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        if not self.lease.valid():
            raise NotActive(f"{endpoint} not sent: not the active process")
        code, payload = await self.inner.do_request(url, method, request_data, **timeouts)
        if endpoint != "getUpdates" or _CONFIRMING.get():
            return code, payload
        if not self.lease.valid(self.budget):
            # Not confirmed: the next getUpdates (ours or the next active's) gets them again.
            raise NotActive("updates left for the next active process")
        last = _last_update_id(code, payload)
        if last is not None and self.bot is not None:
            confirming = _CONFIRMING.set(True)
            try:  # a failure here fails the poll: PTB fetches the batch again
                await self.bot.get_updates(offset=last + 1, timeout=0, limit=1)
            finally:
                _CONFIRMING.reset(confirming)
        return code, payload


_CONFIRMING: ContextVar[bool] = ContextVar("confirming_updates", default=False)


def _last_update_id(code: int, payload: bytes) -> int | None:
    if code != 200:
        return None
    try:
        result = json.loads(payload).get("result")
        return int(result[-1]["update_id"]) if result else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None  # PTB reports a malformed answer itself


class FencedProcessor(BaseUpdateProcessor):
    """Hands an update to `inner` only with `budget` seconds of the lease left."""

    def __init__(self, inner: BaseUpdateProcessor, lease: Lease, budget: float) -> None:
        super().__init__(inner.max_concurrent_updates)
        self.inner = inner
        self.lease = lease
        self.budget = budget

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        if not self.lease.valid(self.budget):
            coroutine.close()
            log.warning("update dropped: this process no longer holds the active lease")
            return
        await self.inner.do_process_update(update, coroutine)

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()


class Failover:
    """This process's role: SQLite (alone, by a file lock), PostgreSQL (lease) or neither."""

    def __init__(
        self,
        *,
        lease: Lease | None = None,
        single: SingleProcess | None = None,
    ) -> None:
        self.lease = lease
        self.single = single
        self._stop = threading.Event()
        self._watchdog: threading.Thread | None = None
        self.fenced: FencedRequest | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> Failover:
        """SQLite: take the file lock (`AlreadyRunning` if another process has it)."""
        url = settings.database_url
        path = sqlite_file(url)
        if path is not None:
            single = SingleProcess(path)
            single.acquire()
            return cls(single=single)
        if url.startswith(("postgres://", "postgresql")):
            timing = Timing.for_takeover(settings.failover_takeover_seconds)
            return cls(lease=Lease(url, timing, process=worker_id()))
        return cls()

    @property
    def budget(self) -> float:
        """Time an update or a getUpdates answer needs left on the lease to be taken."""
        return self.lease.timing.margin / 2 if self.lease is not None else 0.0

    @property
    def may_act(self) -> Callable[[], bool] | None:
        """For the transport's retries (`bot.runner.ResilientRequest`): None, always."""
        return self.lease.valid if self.lease is not None else None

    def request(self, inner: BaseRequest) -> BaseRequest:
        if self.lease is None:
            return inner
        self.fenced = FencedRequest(inner, self.lease, self.budget)
        return self.fenced

    def processor(self, inner: BaseUpdateProcessor) -> BaseUpdateProcessor:
        return FencedProcessor(inner, self.lease, self.budget) if self.lease else inner

    def become_active(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Wait as a standby (SIGTERM ends the wait), then fence the outbox and watch."""
        if self.lease is None:
            return
        previous = signal.signal(signal.SIGTERM, _exit_on_signal)
        try:
            if not self.wait_until_active(application):
                raise SystemExit(0)
        finally:
            signal.signal(signal.SIGTERM, previous)

    def wait_until_active(self, application: Application[Any, Any, Any, Any, Any, Any]) -> bool:
        """Block until this process is active (any thread); False: `release` came first.

        The web desk's path runs this in a worker thread, so a standby serves the desk
        while it waits (`admin.web.serve.run_with_web`).
        """
        lease = self.lease
        if lease is None:
            return True
        services = application.bot_data[SERVICES_KEY]
        assert isinstance(services, Services)
        services.fence = lease
        if self.fenced is not None:
            self.fenced.bot = application.bot

        def hand_back() -> None:
            with services.db.session() as session:
                count = outbox_repo.release_claimed(session)
            if count:
                log.info("handed back %d outbox rows the previous process had claimed", count)

        if not lease.wait_until_active(on_takeover=hand_back):
            return False
        log.info("this process is active")
        self._watchdog = threading.Thread(target=self._watch, name="lease-watchdog", daemon=True)
        self._watchdog.start()
        return True

    def _watch(self) -> None:
        lease = self.lease
        assert lease is not None
        while not self._stop.wait(lease.timing.check_every / 2):
            if lease.lost.is_set() or lease.overdue():
                log.error(
                    "lost the active lease: stopping now (exit %d); started again, this "
                    "process waits as a standby",
                    EXIT_LEASE_LOST,
                )
                for handler in logging.getLogger().handlers:
                    with contextlib.suppress(Exception):
                        handler.flush()
                sys.stdout.flush()
                os._exit(EXIT_LEASE_LOST)

    def release(self) -> None:
        """A clean stop, after PTB stopped: a standby may act at once (once; idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self.lease is not None:
            self.lease.release()
        if self.single is not None:
            self.single.release()


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def describe(settings: Settings) -> str:
    """`cop-bot status`: the active process, since when, and the standbys (plain text)."""
    path = sqlite_file(settings.database_url)
    if path is not None:
        probe = SingleProcess(path)
        try:
            probe.acquire()
        except AlreadyRunning:
            return f"SQLite ({path}): one cop-bot process runs (SQLite serves one; no standby)."
        probe.release()
        return f"SQLite ({path}): no cop-bot process runs."
    if not settings.database_url.startswith(("postgres://", "postgresql")):
        return "No shared database: one process, no standby."
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import Database
    from storage.lease import read_status

    timing = Timing.for_takeover(settings.failover_takeover_seconds)
    db = Database(settings.database_url)
    try:
        with db.read() as session:
            status = read_status(session, stale_after=2 * timing.lease + timing.margin)
    except SQLAlchemyError as exc:
        return f"Database not readable ({type(exc).__name__}): start cop-bot once to set it up."
    finally:
        db.dispose()
    lines = []
    active = status.active
    if active is not None:
        lines.append(
            f"active:  {active.host} pid {active.pid} since {_utc(status.since)} "
            f"(lease token {status.token}, seen {_utc(active.last_seen)})"
        )
    else:
        lines.append(
            "active:  none (a standby takes over within "
            f"{settings.failover_takeover_seconds:g} s of the last one's end)"
        )
    for p in status.standbys:
        lines.append(
            f"standby: {p.host} pid {p.pid} since {_utc(p.since)} (seen {_utc(p.last_seen)})"
        )
    if not status.standbys:
        lines.append("standby: none")
    gone = [p for p in status.processes if p.stale]
    for p in gone[-5:]:
        lines.append(f"gone:    {p.host} pid {p.pid} ({p.role}, last seen {_utc(p.last_seen)})")
    return "\n".join(lines)


def _utc(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
