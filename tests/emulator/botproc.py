"""Start the real `cop-bot` as a subprocess pointed at the emulator (e2e tests, benches)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from tests.emulator.server import Emulator

ROOT = Path(__file__).resolve().parents[2]
STAFF_CHAT_ID = -100500
_BOOT = "import sys; from bot.cli import main; sys.argv[0] = 'cop-bot'; main()"


def bot_env(emulator: Emulator, database_url: str, **extra: Any) -> dict[str, str]:
    """The environment of a bot process: token, emulator URL, database, staff chat."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_BASE_URL": emulator.base_url,
            "DATABASE_URL": database_url,
            "STAFF_CHAT_ID": str(STAFF_CHAT_ID),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT),
            "WEB_PORT": "0",  # no web desk unless a test asks for one
            # Nothing may leave 127.0.0.1.
            "NO_PROXY": "*",
            "HTTP_PROXY": "",
            "HTTPS_PROXY": "",
        }
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class BotProcess:
    """`cop-bot <command>` in a subprocess; its output goes to `log_path`."""

    def __init__(
        self,
        emulator: Emulator,
        workdir: Path,
        database_url: str,
        *,
        args: tuple[str, ...] = ("run",),
        **env: Any,
    ) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.args = args
        self.env = bot_env(emulator, database_url, **env)
        self.log_path = workdir / f"bot-{int(time.time() * 1000)}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, *, wait_polling: bool = True, timeout: float = 30.0) -> BotProcess:
        """Start the process; by default wait until it polls for updates."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        polls_before = self.emulator.method_counts.get("getUpdates", 0)
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _BOOT, *self.args],
            cwd=self.workdir,  # no stray .env from the repository
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        if wait_polling:
            self.emulator.wait_for(
                lambda: (
                    self.emulator.method_counts.get("getUpdates", 0) > polls_before
                    or self.proc is None
                    or self.proc.poll() is not None
                ),
                timeout,
                what="the bot to start polling",
            )
            self.assert_alive()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self) -> None:
        if not self.alive():
            raise AssertionError(f"the bot process died:\n{self.output()[-4000:]}")

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush (a crash)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._close_log()

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, as systemd would; kill -9 if it does not stop in time."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._close_log()
        return self.proc.returncode

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def rss_kib(self) -> int:
        """Resident memory of the process (VmRSS from /proc) in KiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
