"""Settings fail early with one clear line each; `cop-bot check` reports what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.check import run_checks
from bot.cli import app
from bot.config import Settings
from bot.fakeapi import BOT_USER, FakeBotAPI, Fault
from storage.db import Database

STAFF_CHAT = -100500


class StaffGroupAPI(FakeBotAPI):
    """The fake Bot API with a staff group in which the bot has `status`."""

    def __init__(self, status: str = "administrator") -> None:
        super().__init__()
        self.status = status

    def _result_for(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getChat":
            return {
                "id": int(params["chat_id"]),
                "type": "supergroup",
                "title": "Екип",
                "accent_color_id": 0,
                "max_reaction_count": 11,
            }
        if method == "getChatMember":
            member: dict[str, Any] = {"status": self.status, "user": BOT_USER}
            if self.status == "administrator":
                member.update(
                    {
                        "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                        "can_delete_messages": False, "can_manage_video_chats": False,
                        "can_restrict_members": False, "can_promote_members": False,
                        "can_change_info": False, "can_invite_users": False,
                        "can_post_stories": False, "can_edit_stories": False,
                        "can_delete_stories": False,
                    }
                )  # fmt: skip
            return member
        return super()._result_for(method, params)


def _settings(url: str, **extra: Any) -> Settings:
    return Settings(  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN="123:TEST", DATABASE_URL=url, STAFF_CHAT_ID=STAFF_CHAT, **extra
    )


async def test_everything_in_order(sqlite_url: str) -> None:
    Database(sqlite_url).upgrade()
    lines: list[str] = []
    assert await run_checks(_settings(sqlite_url), StaffGroupAPI(), echo=lines.append)
    report = "\n".join(lines)
    assert "✓ token: @" in report and f"✓ staff chat {STAFF_CHAT} (Екип): administrator" in report
    assert "✓ database: migration 0001 (newest)" in report
    assert "✓ content: harmanli.toml" in report and "✓ catalog en: loaded" in report
    assert lines[-1] == "All good."


async def test_what_to_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.sqlite3"  # never migrated
    lines: list[str] = []
    assert not await run_checks(_settings(url), StaffGroupAPI("left"), echo=lines.append)
    report = "\n".join(lines)
    assert "✗ staff chat -100500 (Екип): the bot is not in the chat — add the bot" in report
    assert "✗ database: migration none, newest is 0001 — run `cop-admin db-upgrade`" in report
    assert lines[-1].endswith("thing(s) to fix.")


async def test_a_refused_token(sqlite_url: str) -> None:
    api = StaffGroupAPI()
    api.fail("getMe", Fault(401, "Unauthorized"))
    lines: list[str] = []
    assert not await run_checks(_settings(sqlite_url), api, echo=lines.append)
    assert lines[0].startswith("✗ token: Telegram does not accept it")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:TEST")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("REMINDER_DAY_BEFORE_AT", "18.00", "REMINDER_DAY_BEFORE_AT=18.00: expected a time"),
        ("REMINDER_QUIET_START", "25:99", "REMINDER_QUIET_START=25:99: expected a time"),
        ("WEBHOOK_SECRET", "моя тайна", "WEBHOOK_SECRET=(hidden): expected 1-256 characters"),
        ("CENTRE", "plovdiv", "CENTRE=plovdiv: expected the name of a content file"),
    ],
)
def test_a_bad_setting_is_one_clear_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"cop-bot: {expected}")
    assert "Traceback" not in result.output


def test_an_unreachable_database_is_one_clear_line(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://cop:geheim@127.0.0.1:1/cop")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    assert "cop-bot: DATABASE_URL=postgresql://cop:***@127.0.0.1:1/cop: cannot connect" in (
        result.output
    )
    assert "geheim" not in result.output
