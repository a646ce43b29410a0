"""Settings of one running bot: read once from the environment and `.env`, then passed down."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")
# Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - in a webhook's secret token.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Never echoed back in an error line.
SECRET_SETTINGS = frozenset({"TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "DATABASE_URL", "PROXY_URL"})


class Settings(BaseSettings):
    """Every knob of the bot; nothing else in the code reads `os.environ`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    # e.g. http://127.0.0.1:9000/bot for a self-hosted Bot API server or an emulator.
    telegram_base_url: str | None = Field(default=None, alias="TELEGRAM_BASE_URL")
    database_url: str = Field(default="sqlite:///data/cop-bot.sqlite3", alias="DATABASE_URL")
    centre: str = Field(default="harmanli", alias="CENTRE")
    staff_chat_id: int | None = Field(default=None, alias="STAFF_CHAT_ID")
    timezone: str = Field(default="Europe/Sofia", alias="TIMEZONE")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")

    # Conversations left idle this long are closed politely.
    conversation_timeout_minutes: int = Field(default=30, alias="CONVERSATION_TIMEOUT_MINUTES")

    # Reminders: minutes before the appointment ("1440" = the day before at
    # REMINDER_DAY_BEFORE_AT); quiet hours when no reminder is sent.
    reminder_day_before_at: str = Field(default="18:00", alias="REMINDER_DAY_BEFORE_AT")
    reminder_hours_before: float = Field(default=2.0, alias="REMINDER_HOURS_BEFORE")
    reminder_quiet_start: str = Field(default="21:00", alias="REMINDER_QUIET_START")
    reminder_quiet_end: str = Field(default="08:00", alias="REMINDER_QUIET_END")
    reminder_interval_seconds: float = Field(default=30.0, alias="REMINDER_INTERVAL_SECONDS")
    reminder_max_attempts: int = Field(default=5, alias="REMINDER_MAX_ATTEMPTS")
    retention_days: int = Field(default=365, alias="RETENTION_DAYS")
    # How long a dispatcher holds the outbox rows it claimed; after a crash, rows it had
    # claimed go out again once this has passed (admin/outbox.py).
    outbox_lease_seconds: float = Field(default=300.0, alias="OUTBOX_LEASE_SECONDS", gt=0)

    # Rate limiter (Telegram: ~30 messages/s overall, 1/s per chat).
    rate_limiter: bool = Field(default=True, alias="RATE_LIMITER")
    # Bot API transport (seconds): how long a getUpdates long poll lasts, and how long to
    # wait for any answer beyond it before giving up (a timeout is never retried blindly).
    poll_timeout: int = Field(default=10, alias="POLL_TIMEOUT")  # whole seconds (getUpdates)
    api_read_timeout: float = Field(default=10.0, alias="API_READ_TIMEOUT")

    # Bot API through a proxy (municipal networks); HTTPS_PROXY / HTTP_PROXY / NO_PROXY from
    # the environment are honoured too, this wins over them.
    proxy_url: str | None = Field(default=None, alias="PROXY_URL")
    # Several bot processes on one PostgreSQL (bot/failover.py): a standby acts at most this
    # many seconds after the active one died (kill -9: about half of it).
    failover_takeover_seconds: float = Field(default=15.0, gt=0, alias="FAILOVER_TAKEOVER_SECONDS")

    # Webhook mode.
    webhook_url: str | None = Field(default=None, alias="WEBHOOK_URL")
    webhook_secret: str | None = Field(default=None, alias="WEBHOOK_SECRET")
    webhook_listen: str = Field(default="127.0.0.1", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, alias="WEBHOOK_PORT")

    # The staff's web desk (admin/web), served beside the bot; WEB_PORT=0 turns it off.
    web_listen: str = Field(default="127.0.0.1", alias="WEB_LISTEN")
    web_port: int = Field(default=8080, alias="WEB_PORT")
    # Unset: http://WEB_LISTEN:WEB_PORT (the address a browser on this machine opens).
    web_base_url: str = Field(default="", alias="WEB_BASE_URL")
    # Signs the session cookies; unset = generated on first start and kept in the database.
    web_secret: str | None = Field(default=None, alias="WEB_SECRET")

    @model_validator(mode="after")
    def _web_base_url_from_listen(self) -> Settings:
        if not self.web_base_url:
            host = "127.0.0.1" if self.web_listen in ("0.0.0.0", "::", "") else self.web_listen
            self.web_base_url = f"http://{host}:{self.web_port}"
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)  # raises on an unknown zone, at start-up
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected a time zone such as Europe/Sofia") from exc
        return value

    @field_validator("staff_chat_id", "proxy_url", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator(
        "reminder_day_before_at", "reminder_quiet_start", "reminder_quiet_end", mode="after"
    )
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value.strip()):
            raise ValueError("expected a time of day as HH:MM, 00:00 to 23:59 (e.g. 18:00)")
        return value.strip()

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None and not _SECRET.match(value):
            raise ValueError(
                "expected 1-256 characters, only A-Z, a-z, 0-9, _ and - (Telegram refuses others)"
            )
        return value

    @field_validator("centre")
    @classmethod
    def _content_exists(cls, value: str) -> str:
        from bot.centre import content_path  # no telegram; the content model

        if not re.fullmatch(r"[a-z0-9_-]+", value) or not content_path(value).is_file():
            raise ValueError(f"expected the name of a content file in {content_path('x').parent}")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_file_url(self) -> str | None:
        """The file URL follows the API URL: .../bot -> .../file/bot."""
        if not self.telegram_base_url:
            return None
        base = self.telegram_base_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}" if head else f"{base}/file"


def describe_errors(exc: ValidationError) -> list[str]:
    """One line per bad setting: its name, the value (unless secret) and what is expected."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else "?"
        value: Any = error.get("input")
        shown = "(hidden)" if name in SECRET_SETTINGS else value
        reason = str(error.get("msg", "")).removeprefix("Value error, ")
        lines.append(f"{name}={shown}: {reason}")
    return lines
