"""`cop-admin`: set up and look after the bot's database from the server's shell.

    cop-admin db upgrade
    cop-admin staff add 123456789 --name "Ива Петрова" --role admin
    cop-admin staff list | staff remove 123456789 | staff invite --role staff
    cop-admin hours show
    cop-admin hours set --day mon-fri --open 09:00-12:00 --open 13:00-17:00
    cop-admin hours set --day sat --closed
    cop-admin hours set --slot-minutes 45 --places 2 --lead-minutes 120 --horizon-days 21
    cop-admin close 24.12.2026 --reason "Коледа"   |   cop-admin open 24.12.2026
    cop-admin export --from 2026-11-01 --to 2026-11-30 --format csv --out november.csv
    cop-admin audit --appointment 42

Settings (DATABASE_URL, …) come from the environment and `.env`, as for `cop-bot`.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from admin import export as export_service
from admin import hours as hours_service
from admin import staff as staff_service
from admin.audit import trail
from admin.dates import parse_day
from bot.config import Settings
from storage.clock import utcnow
from storage.db import Database
from storage.staff import parse_role

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="The database schema.")
staff_app = typer.Typer(no_args_is_help=True, help="Who is staff (role staff or admin).")
hours_app = typer.Typer(no_args_is_help=True, help="Weekly opening rules.")
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")
app.add_typer(hours_app, name="hours")


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError on a bad setting
        typer.echo(f"cop-admin: bad settings: {exc}", err=True)
        raise typer.Exit(2) from exc


def _db(upgrade: bool = True) -> Database:
    db = Database(_settings().database_url)
    if upgrade:
        db.upgrade()
    return db


def _fail(message: str) -> typer.Exit:
    typer.echo(f"cop-admin: {message}", err=True)
    return typer.Exit(2)


def _day(value: str) -> date:
    try:
        return parse_day(value, utcnow().astimezone(_settings().tz).date())
    except ValueError as exc:
        raise _fail(f"not a date: {value} (24.12.2026 or 2026-12-24)") from exc


# --- db ---------------------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or update the schema to the newest migration (and seed default hours)."""
    db = _db(upgrade=False)
    db.upgrade()
    typer.echo("database is up to date")


# --- staff ------------------------------------------------------------------------------------


@staff_app.command("add")
def staff_add(
    telegram_id: Annotated[int, typer.Argument(help="The person's Telegram user id.")],
    name: Annotated[str, typer.Option("--name", help="Name shown on cards.")],
    role: Annotated[str, typer.Option("--role", help="staff or admin.")] = "staff",
) -> None:
    """Add a staff member (or change the name and role of one)."""
    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    member = staff_service.add(_db(), telegram_user_id=telegram_id, name=name, role=parsed)
    typer.echo(f"staff {member.telegram_user_id}: {member.name} ({member.role})")


@staff_app.command("list")
def staff_list() -> None:
    """List the staff members."""
    members = staff_service.list_all(_db())
    if not members:
        typer.echo("no staff yet: cop-admin staff add TELEGRAM_ID --name NAME --role admin")
    for member in members:
        typer.echo(f"{member.telegram_user_id}\t{member.role}\t{member.name}")


@staff_app.command("remove")
def staff_remove(
    telegram_id: Annotated[int, typer.Argument(help="The person's Telegram user id.")],
) -> None:
    """Remove a staff member: their buttons and commands stop working at once."""
    if not staff_service.remove(_db(), telegram_id):
        raise _fail(f"no staff member with Telegram id {telegram_id}")
    typer.echo(f"removed {telegram_id}")


@staff_app.command("invite")
def staff_invite(
    role: Annotated[str, typer.Option("--role", help="staff or admin.")] = "staff",
    hours: Annotated[int, typer.Option("--hours", help="Valid for this many hours.")] = 48,
) -> None:
    """Print a one-time code; the person sends `/staff CODE` to the bot to join."""
    from datetime import timedelta

    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    if hours < 1:
        raise _fail("--hours must be at least 1")
    invite = staff_service.invite(_db(), role=parsed, ttl=timedelta(hours=hours))
    until = invite.expires_at.astimezone(_settings().tz)
    typer.echo(invite.code)
    typer.echo(
        f"role {invite.role}; works once, until {until:%d.%m.%Y %H:%M}. "
        f"Send it to the bot as: /staff {invite.code}",
        err=True,
    )


# --- hours ------------------------------------------------------------------------------------


def _print_hours(db: Database) -> None:
    shown = hours_service.show(db)
    rules = shown.rules
    for weekday, name in enumerate(hours_service.WEEKDAYS):
        spans = rules.hours.get(weekday, ())
        text = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in spans) or "closed"
        typer.echo(f"{name}: {text}")
    typer.echo(
        f"slot {rules.slot_minutes} min, {rules.places_per_slot} place(s), "
        f"lead {rules.min_lead_minutes} min, horizon {rules.horizon_days} days"
    )
    for day, reason in sorted(shown.closed.items()):
        typer.echo(f"closed {day.isoformat()}" + (f": {reason}" if reason else ""))


@hours_app.command("show")
def hours_show() -> None:
    """Print the weekly hours, slot rules and closed days."""
    _print_hours(_db())


@hours_app.command("set")
def hours_set(
    day: Annotated[
        str | None, typer.Option("--day", help="mon … sun, a list mon,wed or a range mon-fri.")
    ] = None,
    open_: Annotated[
        list[str] | None,
        typer.Option("--open", help="An open interval HH:MM-HH:MM; repeat it for breaks."),
    ] = None,
    closed: Annotated[bool, typer.Option("--closed", help="The day(s) are closed.")] = False,
    slot_minutes: Annotated[int | None, typer.Option("--slot-minutes")] = None,
    places: Annotated[int | None, typer.Option("--places", help="Parallel places.")] = None,
    lead_minutes: Annotated[int | None, typer.Option("--lead-minutes")] = None,
    horizon_days: Annotated[int | None, typer.Option("--horizon-days")] = None,
) -> None:
    """Replace the hours of some weekdays and/or change the slot rules.

    Example: --day mon-fri --open 09:00-12:00 --open 13:00-17:00
    """
    if (open_ or closed) and not day:
        raise _fail("--open and --closed need --day")
    if open_ and closed:
        raise _fail("use either --open or --closed")
    if day and not (open_ or closed):
        raise _fail("--day needs --open HH:MM-HH:MM (repeatable) or --closed")
    try:
        days = hours_service.parse_days(day) if day else []
        spans = [hours_service.parse_span(v) for v in open_ or []] if day else None
        hours_service.set_hours(
            _db(),
            days=days,
            spans=spans,
            slot_minutes=slot_minutes,
            places=places,
            lead_minutes=lead_minutes,
            horizon_days=horizon_days,
        )
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    _print_hours(_db(upgrade=False))


# --- closed days, export, audit ---------------------------------------------------------------


@app.command("close")
def close(
    day: Annotated[str, typer.Argument(help="24.12.2026 or 2026-12-24.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Shown to parents.")] = None,
) -> None:
    """Close a day for booking (appointments on it are kept: handle them with /close)."""
    parsed = _day(day)
    hit = hours_service.close_day_cli(_db(), parsed, reason, _settings().tz)
    typer.echo(f"closed {parsed.isoformat()}")
    if hit:
        typer.echo(
            f"{hit} appointment(s) on that day are still booked: send /close "
            f"{parsed:%d.%m.%Y} in Telegram to cancel them and tell the parents",
            err=True,
        )


@app.command("open")
def open_(day: Annotated[str, typer.Argument(help="24.12.2026 or 2026-12-24.")]) -> None:
    """Open a closed day again."""
    parsed = _day(day)
    if not hours_service.open_day_cli(_db(), parsed):
        raise _fail(f"{parsed.isoformat()} was not closed")
    typer.echo(f"opened {parsed.isoformat()}")


@app.command("export")
def export(
    first: Annotated[str, typer.Option("--from", help="First day.")],
    last: Annotated[str, typer.Option("--to", help="Last day (included).")],
    fmt: Annotated[str, typer.Option("--format", help="csv or ics.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="File; stdout if absent.")] = None,
) -> None:
    """Export appointments: CSV (UTF-8 with BOM, for Excel) or an .ics calendar."""
    from bot.services import Services

    start, end = _day(first), _day(last)
    if end < start:
        raise _fail("--to is before --from")
    if fmt not in ("csv", "ics"):
        raise _fail("--format is csv or ics")
    services = Services.from_settings(_settings())
    data = export_service.export(services, start, end, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        typer.echo(f"wrote {out}", err=True)


@app.command("audit")
def audit(
    appointment: Annotated[int, typer.Option("--appointment", help="Appointment id.")],
) -> None:
    """Print the audit trail of one appointment: when, who, what."""
    settings = _settings()
    rows = trail(_db(), appointment)
    if not rows:
        raise _fail(f"no audit entries for appointment {appointment}")
    for row in rows:
        at = row.at.astimezone(settings.tz)
        change = f"{row.from_status or ''} -> {row.to_status}" if row.to_status else ""
        parts = [f"{at:%Y-%m-%d %H:%M:%S}", row.actor, row.action, change, row.detail or ""]
        typer.echo("\t".join(parts).rstrip())


@app.command("web-link")
def web_link(
    telegram_id: Annotated[int, typer.Argument(help="The staff member's Telegram id.")],
) -> None:
    """Print a one-time sign-in link to the web desk (10 minutes), e.g. for the first admin."""
    from admin import web_signin
    from storage.errors import NotAllowed

    settings = _settings()
    try:
        token = web_signin.issue_token(_db(), telegram_user_id=telegram_id)
    except NotAllowed as exc:
        raise _fail(f"{telegram_id} is not staff (cop-admin staff add …)") from exc
    typer.echo(web_signin.link(settings.web_base_url, token))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
