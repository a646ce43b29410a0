"""Serve the web desk beside the bot, in the same process and event loop.

PTB documents this for a custom web server: start the Application by hand
(`async with application: await application.start()`), run `uvicorn.Server.serve()` in the
same loop, and stop the Application when the server returns (Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any

import uvicorn
from telegram.ext import Application

from admin.web.app import create_app

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def web_server(application: AnyApplication, *, host: str, port: int) -> uvicorn.Server:
    """uvicorn for the desk; no access log (addresses of sign-in links stay out of logs)."""
    config = uvicorn.Config(
        create_app(application),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        lifespan="off",
        proxy_headers=True,  # the client's address from the TLS proxy on 127.0.0.1
        server_header=False,
    )
    return uvicorn.Server(config)


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket (port 0 = any free port: tests and the console)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _note_signal(_sig: int, _frame: FrameType | None) -> None:
    """uvicorn hands the signal it caught back to the handler it found: stop quietly."""


async def run_with_web(
    application: AnyApplication,
    start_updates: Callable[[], Awaitable[Any]],
    wait_until_active: Callable[[], bool] | None = None,
    stop_waiting: Callable[[], None] | None = None,
) -> None:
    """Serve the desk at once; start the bot (by `start_updates`) once this process is active.

    A standby (`wait_until_active`, bot/failover.py, blocking: run in a worker thread)
    serves the desk while it waits for the lease; its actions are database rows and outbox
    messages that the active process sends. SIGINT / SIGTERM end both.
    """
    settings = application.bot_data["services"].settings
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _note_signal)
    server = web_server(application, host=settings.web_listen, port=settings.web_port)
    serving = asyncio.create_task(server.serve())  # returns on SIGINT / SIGTERM
    log.info("web desk on %s:%d", settings.web_listen, settings.web_port)
    if wait_until_active is not None:
        waiting = asyncio.create_task(asyncio.to_thread(wait_until_active))
        await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done() or not waiting.result():
            # Stopped while a standby: end the wait (its thread), then the server.
            if stop_waiting is not None:
                stop_waiting()
            server.should_exit = True
            await asyncio.gather(serving, waiting, return_exceptions=True)
            return
    async with application:
        if application.post_init is not None:  # run_polling would call it
            await application.post_init(application)
        await application.start()
        await start_updates()
        try:
            await serving
        finally:
            updater = application.updater
            if updater is not None and updater.running:
                await updater.stop()
            await application.stop()
            await asyncio.sleep(0)


DEMO_ADMIN_ID = 1000  # the console's demo admin (the console's parent is 1001)


async def start_for_console(
    application: AnyApplication, out: Callable[[str], None]
) -> tuple[uvicorn.Server, asyncio.Task[None]] | None:
    """The console's desk: serve it and print a sign-in link for a demo admin."""
    from admin import staff as staff_service
    from admin import web_signin
    from storage.models import StaffRole

    services = application.bot_data["services"]
    settings = services.settings
    try:
        sock = bound_socket(settings.web_listen, settings.web_port)
    except OSError as exc:
        out(
            f"Уеб бюрото не е пуснато: {settings.web_listen}:{settings.web_port} ({exc.strerror})."
        )
        return None
    staff_service.add(
        services.db,
        telegram_user_id=DEMO_ADMIN_ID,
        name="Демо администратор",
        role=StaffRole.admin,
    )
    server = web_server(application, host=settings.web_listen, port=settings.web_port)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    token = web_signin.issue_token(services.db, telegram_user_id=DEMO_ADMIN_ID)
    out(f"🌐 Уеб бюро за екипа: {web_signin.link(settings.web_base_url, token)}")
    return server, task
