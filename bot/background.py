"""Work kept off the parent's update: staff notices, and writes that wait for the disk.

A staff group takes 20 messages a minute, so a card may wait seconds for the rate limiter.
Awaited inside the parent's update, that wait would hold the parent's chat and one of the
update processor's places; enough bookings at once would stall every chat. PTB's
`create_task` runs the notice beside the update, reports a failure to the error handler
and is awaited when the application stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from telegram.ext import Application

from storage.db import Database

T = TypeVar("T")

_pending: set[asyncio.Task[Any]] = set()


def run_later(
    application: Application[Any, Any, Any, Any, Any, Any], work: Coroutine[Any, Any, Any]
) -> asyncio.Task[Any]:
    if application.running:
        task = application.create_task(work, name="background notice")
    else:  # a stopped application (tests, shutdown): PTB would only warn; `settle()` awaits it
        task = asyncio.get_running_loop().create_task(work, name="background notice")
    _pending.add(task)
    task.add_done_callback(_pending.discard)
    return task


async def settle() -> None:
    """Wait until background work is done (tests and the console read its messages)."""
    while _pending:
        await asyncio.gather(*tuple(_pending), return_exceptions=True)


async def durable_write(db: Database, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a service whose commit waits for the disk in a worker thread (PostgreSQL).

    A PostgreSQL commit waits for the WAL flush; on a busy disk that can take a second, and
    on the event loop it would hold every chat for that long, not just this one. SQLite's
    commit (WAL, synchronous=NORMAL) does not wait for the disk: it runs inline.
    """
    if db.dialect != "postgresql":
        return work(*args, **kwargs)
    return await asyncio.to_thread(work, *args, **kwargs)
