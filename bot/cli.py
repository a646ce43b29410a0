"""`cop-bot`: run the bot (polling or webhook) or chat with it in the terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from bot import __version__

app = typer.Typer(
    add_completion=False,
    no_args_is_help=False,
    help="Telegram assistant of a Център за обществена подкрепа (ЦОП).",
)


def _settings():  # type: ignore[no-untyped-def]
    """Read and check every setting: one line per bad one (name, value, what is expected)."""
    from pydantic import ValidationError

    from bot.centre import ContentError, content_for
    from bot.config import Settings, describe_errors

    try:
        settings = Settings()
        content_for(settings.centre)
    except ContentError as exc:
        typer.echo(f"cop-bot: CENTRE: the content file is broken: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        for line in describe_errors(exc):
            typer.echo(f"cop-bot: {line}", err=True)
        raise typer.Exit(2) from exc
    return settings


def _database_reachable(settings) -> None:  # type: ignore[no-untyped-def]
    """Fail at once, with a clear line, when DATABASE_URL cannot be reached."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from storage.db import Database

    try:
        db = Database(settings.database_url)
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        finally:
            db.dispose()
    except Exception as exc:
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        typer.echo(
            f"cop-bot: DATABASE_URL={shown}: cannot connect ({type(exc).__name__}); "
            "expected a reachable database (is the server running? user, password, host?)",
            err=True,
        )
        raise typer.Exit(2) from exc


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cop-bot {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """With no command: run the bot if TELEGRAM_BOT_TOKEN is set, else open the console."""
    if ctx.invoked_subcommand is None:
        settings = _settings()
        if settings.telegram_bot_token:
            run()
        else:
            typer.echo("TELEGRAM_BOT_TOKEN is not set: starting the console chat instead.")
            console()


@app.command()
def run() -> None:
    """Run the bot with long polling (needs TELEGRAM_BOT_TOKEN)."""
    settings = _settings()
    if not settings.telegram_bot_token:
        typer.echo(
            "cop-bot: TELEGRAM_BOT_TOKEN is not set (put it in the environment or .env); "
            "try `cop-bot console` to chat without a token.",
            err=True,
        )
        raise typer.Exit(2)
    _database_reachable(settings)
    from bot.logs import configure
    from bot.runner import run_polling

    configure(settings.log_level)
    with _one_per_sqlite_file():
        run_polling(settings)


@app.command()
def webhook(
    url: Annotated[
        str | None, typer.Option(help="Public HTTPS URL Telegram posts to (WEBHOOK_URL).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Local port (WEBHOOK_PORT).")] = None,
    listen: Annotated[str | None, typer.Option(help="Local address (WEBHOOK_LISTEN).")] = None,
    secret_token: Annotated[
        str | None,
        typer.Option(help="Secret Telegram sends in every request (WEBHOOK_SECRET)."),
    ] = None,
) -> None:
    """Serve a webhook behind a TLS proxy (nginx, Caddy) instead of polling."""
    settings = _settings()
    overrides = {
        "webhook_url": url,
        "webhook_port": port,
        "webhook_listen": listen,
        "webhook_secret": secret_token,
    }
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    problems = [
        name
        for name, value in (
            ("TELEGRAM_BOT_TOKEN", settings.telegram_bot_token),
            ("WEBHOOK_URL or --url", settings.webhook_url),
            ("WEBHOOK_SECRET or --secret-token", settings.webhook_secret),
        )
        if not value
    ]
    if problems:
        typer.echo(f"cop-bot: webhook mode needs {', '.join(problems)}.", err=True)
        raise typer.Exit(2)
    _database_reachable(settings)
    from telegram.error import TelegramError

    from bot.logs import configure
    from bot.runner import WEBHOOK_BOOTSTRAP_RETRIES, run_webhook

    configure(settings.log_level)
    try:
        with _one_per_sqlite_file():
            run_webhook(settings)
    except TelegramError as exc:  # setWebhook refused after the bounded retries
        typer.echo(
            f"cop-bot: Telegram refused setWebhook for WEBHOOK_URL={settings.webhook_url} "
            f"after {WEBHOOK_BOOTSTRAP_RETRIES + 1} attempts: {exc.message}",
            err=True,
        )
        raise typer.Exit(1) from exc


@app.command()
def check() -> None:
    """Check this installation: token, staff chat, database, outbox, content, catalogs."""
    import asyncio

    settings = _settings()
    from bot.check import run_checks
    from bot.runner import make_request

    ok = asyncio.run(run_checks(settings, make_request(settings), echo=typer.echo))
    raise typer.Exit(0 if ok else 1)


@contextmanager
def _one_per_sqlite_file() -> Iterator[None]:
    """A second bot process on the same SQLite file is refused (bot/failover.py)."""
    from storage.lease import AlreadyRunning

    try:
        yield
    except AlreadyRunning as exc:
        typer.echo(
            "cop-bot: another cop-bot process already runs on this SQLite database "
            f"(it holds {exc}). SQLite serves one process; for a standby on a second server "
            "use PostgreSQL (docs/deploy.md).",
            err=True,
        )
        raise typer.Exit(2) from exc


@app.command()
def status() -> None:
    """Which bot process is active on the database, since when, and the standbys."""
    settings = _settings()
    from bot.failover import describe

    typer.echo(describe(settings))


@app.command()
def console(
    user_id: Annotated[int, typer.Option(help="Telegram user id to play.")] = 1001,
    language: Annotated[str, typer.Option(help="Telegram language code to play.")] = "bg",
) -> None:
    """Chat with the real flows in the terminal: no token, no network.

    Type a message and press Enter. Buttons are numbered in one list: the
    menu keyboard first (printed again only when it changes), then the buttons
    of the newest message that has any. Type !N to press button N (e.g. !3);
    !contact shares a phone number (!contact 0888123456); !quit or Ctrl-D leaves.
    """
    settings = _settings()
    from bot.console import run_console

    run_console(settings, user_id=user_id, language=language)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
