"""The real `cop-bot` process over HTTP against the Bot API emulator on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator, EmulatorThread
from tests.emulator.botproc import STAFF_CHAT_ID, BotProcess, bot_env

# Settings every e2e bot gets: the limiter on (as in production), quick conversations.
BASE_ENV: dict[str, Any] = {"RATE_LIMITER": "true", "REMINDER_INTERVAL_SECONDS": "1"}


def cop_admin(emulator: Emulator, database_url: str, *args: str) -> str:
    """Run `cop-admin` as the staff would on the server."""
    done = subprocess.run(
        [sys.executable, "-c", "from admin.cli import main; main()", *args],
        env=bot_env(emulator, database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def assert_clean_log(bot: BotProcess, *secrets: str) -> None:
    """No tracebacks of crashes, and none of the personal data, in the bot's output."""
    output = bot.output()
    for secret in secrets:
        assert secret not in output, f"{secret!r} leaked into the bot's log"


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[Emulator]:
    with EmulatorThread() as emulator:
        emulator.chat(STAFF_CHAT_ID)
        yield emulator


@pytest.fixture(scope="module")
def shared_bot(
    module_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    """One bot for the stateless journeys of a module (each test plays its own parent)."""
    workdir = tmp_path_factory.mktemp("bot")
    bot = BotProcess(module_emulator, workdir, f"sqlite:///{workdir}/bot.sqlite3", **BASE_ENV)
    bot.start()
    yield bot
    bot.assert_alive()
    bot.stop()


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A fresh emulator for a test that starts its own bot(s)."""
    with EmulatorThread() as emulator:
        emulator.chat(STAFF_CHAT_ID)
        yield emulator


@pytest.fixture
def start_bot(emulator: Emulator, tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    """Start `cop-bot` processes on one database (the same `tmp_path`); all stopped after."""
    bots: list[BotProcess] = []

    def _start(
        *args: str, database_url: str | None = None, wait: bool = True, **env: Any
    ) -> BotProcess:
        url = database_url or f"sqlite:///{tmp_path}/bot.sqlite3"
        bot = BotProcess(emulator, tmp_path, url, args=args or ("run",), **{**BASE_ENV, **env})
        bots.append(bot)
        return bot.start(wait_polling=wait)

    yield _start
    for bot in bots:
        bot.stop()
