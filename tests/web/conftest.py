"""Browser tests of the web desk: the bot on the fake Bot API, the desk on an ephemeral port
in the same event loop, and Debian's Chromium driven by Playwright (its own browser download
is not used). Without Chromium these tests say so and skip."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from admin import web_signin
from admin.web.app import create_app
from admin.web.serve import bound_socket
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from tests.admin.conftest import (  # noqa: F401  (fixtures)
    ADMIN_ID,
    STAFF_ID,
    admin_chat,
    clock,
    parent_chat,
    staff_chat,
    team,
)
from tests.chat import Chat

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    """Debian's Chromium (CHROMIUM=… to point elsewhere)."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return found if os.path.exists(found) else None


@pytest.fixture
async def desk(app: Any, services: Services) -> AsyncIterator[str]:
    """The desk served by uvicorn on 127.0.0.1:<free port>, beside the bot; its base URL."""
    sock = bound_socket("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    services.settings.web_base_url = base  # links the bot sends point here
    config = uvicorn.Config(create_app(app), access_log=False, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield base
    server.should_exit = True
    await task
    sock.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip(
            "Chromium is not installed (apt-get install chromium; ./scripts/test does it "
            "when it can): the browser tests of the web desk did NOT run"
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport=DESKTOP, locale="bg-BG")
    tab = await context.new_page()
    yield tab
    await context.close()


@pytest.fixture
def admin_private(app: Any, fake_api: FakeBotAPI, team: None) -> Chat:  # noqa: F811
    """Ива (admin) in her private chat with the bot."""
    return Chat(app, fake_api, user_id=ADMIN_ID)


def sign_in_link(services: Services, user_id: int = ADMIN_ID) -> str:
    """A fresh one-time link, as `cop-admin web-link` prints it."""
    token = web_signin.issue_token(services.db, telegram_user_id=user_id)
    return web_signin.link(services.settings.web_base_url, token)
