"""`cop-bot run` serves the web desk in the same process and loop, and stops cleanly."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import cop_admin
from tests.emulator import Emulator
from tests.emulator.botproc import BotProcess

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_serves_the_desk_beside_polling(
    emulator: Emulator, start_bot: Callable[..., BotProcess], tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{tmp_path}/bot.sqlite3"
    bot = start_bot(WEB_PORT=str(port), WEB_BASE_URL=base)
    cop_admin(emulator, url, "staff", "add", "501", "--name", "Ива", "--role", "admin")
    link = cop_admin(emulator, url, "web-link", "501").strip()  # WEB_BASE_URL's default
    token = link.split("/login/", 1)[1]
    with httpx.Client(base_url=base, timeout=10) as client:
        opened = client.get(f"/login/{token}")
        csrf = opened.text.split('name="csrf" value="')[1].split('"')[0]
        signed = client.post("/login", data={"csrf": csrf, "token": token})
        assert signed.status_code == 303
        week = client.get("/")
        assert week.status_code == 200 and "Влязохте като Ива" in week.text
    bot.assert_alive()
    assert bot.stop() == 0  # SIGTERM: the desk and the bot stop together, cleanly
    assert token not in bot.output()  # no sign-in link in the log


def test_webhook_serves_the_desk_beside_the_hook(
    emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    from tests.e2e.test_webhook import SECRET, _message, _post, _wait_listening

    hook_port, desk_port = free_port(), free_port()
    hook = f"http://127.0.0.1:{hook_port}/telegram/hook"
    bot = start_bot(
        "webhook",
        "--url",
        hook,
        "--port",
        str(hook_port),
        "--secret-token",
        SECRET,
        wait=False,
        WEB_PORT=str(desk_port),
    )
    emulator.wait_for(lambda: emulator.webhook.get("url") == hook, 30, "setWebhook")
    _wait_listening(hook_port)
    _wait_listening(desk_port)
    assert _post(hook, _message(900010, 3002, "/help"), SECRET) == 200
    answer = httpx.get(f"http://127.0.0.1:{desk_port}/", timeout=10)
    assert answer.status_code == 401 and "/web" in answer.text
    assert answer.headers["x-frame-options"] == "DENY"
    assert bot.stop() == 0
