"""`cop-bot webhook`: PTB's server behind the secret token, over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable

import pytest

from tests.emulator import Emulator, User
from tests.emulator.botproc import BotProcess

pytestmark = pytest.mark.e2e

SECRET = "s3cret-Token_42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _post(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _message(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Мария"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Мария", "language_code": "bg"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


def test_webhook_refuses_requests_without_the_secret(
    emulator: Emulator, start_bot: Callable[..., BotProcess]
) -> None:
    port = _free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    bot = start_bot(
        "webhook",
        "--url",
        hook,
        "--port",
        str(port),
        "--listen",
        "127.0.0.1",
        "--secret-token",
        SECRET,
        wait=False,
    )
    emulator.wait_for(lambda: emulator.webhook.get("url") == hook, 30, "setWebhook")
    assert emulator.webhook["secret_token"] == SECRET
    _wait_listening(port)
    parent = User(emulator, 3001)

    # Forged updates: no header, a wrong one. Refused, never handled.
    assert _post(hook, _message(900001, 3001, "/start"), None) == 403
    assert _post(hook, _message(900002, 3001, "/start"), "wrong") == 403
    # The right header is accepted and answered.
    assert _post(hook, _message(900003, 3001, "/help"), SECRET) == 200
    parent.wait("Команди")
    # Updates the emulator delivers itself (as Telegram would) carry the secret too.
    parent.send("/privacy")
    parent.wait("КЗЛД")
    texts = parent.all_texts()
    assert not any("Здравейте" in t for t in texts), "a forged /start was processed"
    assert len(texts) == 2
    assert all(status == 200 for _, status in emulator.webhook_deliveries)
    bot.assert_alive()


def test_webhook_needs_a_secret(emulator: Emulator, tmp_path: object) -> None:
    bot = BotProcess(
        emulator,
        tmp_path,
        f"sqlite:///{tmp_path}/b.sqlite3",  # type: ignore[arg-type]
        args=("webhook", "--url", "https://bot.example.org/hook"),
    )
    bot.start(wait_polling=False)
    try:
        assert bot.proc is not None
        assert bot.proc.wait(timeout=30) == 2
        assert "WEBHOOK_SECRET" in bot.output()
    finally:
        bot.stop()  # closes the log file the process wrote to


def test_a_refused_set_webhook_ends_with_a_clear_error(
    emulator: Emulator, tmp_path: object
) -> None:
    """Telegram refuses the URL (not HTTPS): a few attempts, then one line and exit 1."""
    bot = BotProcess(
        emulator,
        tmp_path,
        f"sqlite:///{tmp_path}/b.sqlite3",  # type: ignore[arg-type]
        args=("webhook", "--url", "http://bot.example.org/hook", "--secret-token", SECRET),
    )
    bot.start(wait_polling=False)
    try:
        assert bot.proc is not None
        assert bot.proc.wait(timeout=60) == 1
        output = bot.output()
        assert "Telegram refused setWebhook for WEBHOOK_URL=http://bot.example.org/hook" in output
        assert "https" in output.lower()
    finally:
        bot.stop()
