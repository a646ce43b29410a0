"""The `cop-bot` command: version, a clear refusal without a token, the console chat."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import __version__
from bot.cli import app
from bot.config import Settings
from bot.console import ConsoleView
from bot.fakeapi import Call


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No token, a database in tmp_path, and no `.env` from the working tree."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    monkeypatch.setenv("RATE_LIMITER", "false")
    monkeypatch.setenv("WEB_PORT", "0")  # the desk has its own console test below
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3"}


def test_version(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"cop-bot {__version__}"


def test_run_without_token_is_one_clear_line(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.output


def test_console_help_documents_pressing_buttons(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["console", "--help"])
    assert result.exit_code == 0
    assert "!N" in result.output and "!quit" in result.output


def test_console_chat_presses_a_menu_button(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["console"], input="/start\n!4\n!quit\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Здравейте" in out
    assert "[1] 📅 Запазете час" in out
    assert "Открит на" in out  # !4 pressed "ℹ️ За центъра"
    assert "[10] Още" in out  # inline buttons continue after the menu's nine
    # /start twice sends the same menu: printed once only
    assert out.count("⌨️ Меню") == 1


async def test_console_chat_function_with_patched_input(tmp_path: Path) -> None:
    from bot.console import _chat

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp_path}/c.sqlite3",
        RATE_LIMITER=False,
        WEB_PORT=0,
    )
    typed = iter(["/start", "!1", "!99", "!7", "!quit"])
    shown: list[str] = []
    await _chat(settings, 1001, "bg", read=lambda _prompt: next(typed), out=shown.append)
    text = "\n".join(shown)
    assert "Няма бутон 99" in text
    assert "0373 9 10 76" in text  # !6 pressed "☎️ Контакти"


async def test_console_serves_the_web_desk_with_a_demo_admin(tmp_path: Path) -> None:
    import socket

    from admin import web_signin
    from admin.web.serve import DEMO_ADMIN_ID
    from bot.console import _chat
    from storage.db import Database

    with socket.socket() as probe:  # a free port for this run
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"sqlite:///{tmp_path}/c.sqlite3"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=url,
        RATE_LIMITER=False,
        WEB_PORT=port,
        WEB_BASE_URL=f"http://127.0.0.1:{port}",
    )
    shown: list[str] = []
    typed = iter(["!quit"])
    await _chat(settings, 1001, "bg", read=lambda _prompt: next(typed), out=shown.append)
    (line,) = [s for s in shown if "Уеб бюро" in s]
    link = line.split(": ", 1)[1]
    assert link.startswith(f"http://127.0.0.1:{port}/login/")
    member = web_signin.redeem(Database(url), link.rsplit("/", 1)[1])
    assert member.telegram_user_id == DEMO_ADMIN_ID and member.is_admin


def test_view_numbers_keyboard_then_inline() -> None:
    shown: list[str] = []
    view = ConsoleView(5, shown.append)
    menu = {"keyboard": [["А", "Б"], ["В"]]}
    view.on_call(Call("sendMessage", {"chat_id": 5, "text": "здравейте", "reply_markup": menu}))
    view.on_call(Call("sendMessage", {"chat_id": 5, "text": "пак", "reply_markup": menu}))
    assert sum("⌨️" in line for line in shown) == 1  # printed only when it changes
    inline = {"inline_keyboard": [[{"text": "Още", "callback_data": "x:1"}]]}
    view.on_call(Call("sendMessage", {"chat_id": 5, "text": "t", "reply_markup": inline}))
    assert "[4] Още" in shown[-1]
    assert view.press(1) == ("А", None)
    assert view.press(4) == ("Още", "x:1")
    assert view.press(5) is None


def test_status_on_sqlite_says_one_process(env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0
    assert "no cop-bot process runs" in result.output
