"""`cop-admin` through typer's runner against a real SQLite file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from admin.cli import app
from storage.db import Database
from tests.admin.conftest import add_appointment, add_parent, at


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path}/cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_and_staff(env: str) -> None:
    assert run("db", "upgrade")[0] == 0
    code, out, _ = run("staff", "add", "501", "--name", "Ива Петрова", "--role", "admin")
    assert code == 0 and "Ива Петрова (admin)" in out
    assert run("staff", "add", "502", "--name", "Петър")[0] == 0
    code, out, _ = run("staff", "list")
    assert "501\tadmin\tИва Петрова" in out and "502\tstaff\tПетър" in out
    assert run("staff", "add", "503", "--name", "X", "--role", "boss")[0] == 2
    assert run("staff", "remove", "502")[0] == 0
    assert run("staff", "remove", "502")[0] == 2
    assert "502" not in run("staff", "list")[1]


def test_invite_prints_a_code_that_joins(env: str) -> None:
    from admin import staff as staff_service

    code, out, err = run("staff", "invite", "--role", "staff")
    assert code == 0 and "/staff" in err
    invite_code = out.strip()
    assert len(invite_code.replace("-", "")) == 12
    member = staff_service.join(
        Database(env), code=invite_code, telegram_user_id=900, name="Ана", chat_id=900
    )
    assert member.role == "staff"


def test_hours_set_and_show(env: str) -> None:
    code, out, _ = run(
        "hours", "set", "--day", "mon-fri", "--open", "09:00-12:00", "--open", "13:00-17:00"
    )
    assert code == 0, out
    assert "mon: 09:00-12:00, 13:00-17:00" in out and "fri: 09:00-12:00, 13:00-17:00" in out
    code, out, _ = run("hours", "set", "--day", "wed", "--closed", "--slot-minutes", "30")
    assert code == 0 and "wed: closed" in out and "slot 30 min" in out
    code, out, _ = run(
        "hours", "set", "--places", "2", "--lead-minutes", "60", "--horizon-days", "14"
    )
    assert "2 place(s), lead 60 min, horizon 14 days" in out
    assert run("hours", "set", "--day", "mon", "--open", "12:00-09:00")[0] == 2
    assert run("hours", "set", "--day", "xyz", "--open", "09:00-10:00")[0] == 2
    assert (
        run("hours", "set", "--day", "mon", "--open", "09:00-11:00", "--open", "10:00-12:00")[0]
        == 2
    )
    assert "sun: closed" in run("hours", "show")[1]


def test_close_open(env: str) -> None:
    run("db", "upgrade")
    code, out, _ = run("close", "24.12.2026", "--reason", "Коледа")
    assert code == 0 and "closed 2026-12-24" in out
    assert "closed 2026-12-24: Коледа" in run("hours", "show")[1]
    assert run("open", "2026-12-24")[0] == 0
    assert run("open", "2026-12-24")[0] == 2
    assert run("close", "not-a-date")[0] == 2


def test_export_and_audit(env: str, tmp_path: Path) -> None:
    run("db", "upgrade")
    db = Database(env)
    parent = add_parent(db, name="Йордан Ёлдъзов")
    appointment_id = add_appointment(db, parent, at(24, 10))
    out_file = tmp_path / "nov.csv"
    code, _, _ = run(
        "export", "--from", "2026-11-01", "--to", "2026-11-30", "--out", str(out_file)
    )
    assert code == 0
    raw = out_file.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["name"] == "Йордан Ёлдъзов" and rows[0]["time"] == "10:00"

    code, out, _ = run("export", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "ics")
    assert code == 0
    event = next(iter(Calendar.from_ical(out.encode()).walk("VEVENT")))
    assert event.decoded("dtstart").hour == 10
    assert run("export", "--from", "2026-11-30", "--to", "2026-11-01")[0] == 2

    from admin import appointments
    from admin import staff as staff_service
    from bot.services import Services
    from tests.conftest import make_settings

    staff_service.add(db, telegram_user_id=501, name="Ива", role="admin")  # type: ignore[arg-type]
    services = Services.from_settings(make_settings(env))
    appointments.confirm(services, appointment_id=appointment_id, staff_user_id=501)
    code, out, _ = run("audit", "--appointment", str(appointment_id))
    assert code == 0 and "staff:501 Ива\tstatus\tpending -> confirmed" in out
    assert run("audit", "--appointment", "999")[0] == 2
