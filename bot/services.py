"""What every handler and job needs, built once per process. No telegram import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from functools import cached_property

from bot.centre import Content, content_for
from bot.config import Settings
from bot.i18n import SUPPORTED_LANGUAGES, pick_language
from bot.text import Understanding, understanding
from storage.clock import utcnow
from storage.db import Database
from storage.outbox import Fence
from storage.parents import LanguageMemory
from storage.reminders import ReminderPolicy


@dataclass
class Services:
    settings: Settings
    content: Content
    db: Database
    # Set by bot/failover.py when several bot processes share the database: the outbox
    # claims and sends only while this process holds the active lease.
    fence: Fence | None = None

    @classmethod
    def from_settings(cls, settings: Settings, *, upgrade: bool = True) -> Services:
        db = Database(settings.database_url)
        if upgrade:
            db.upgrade()
        return cls(settings=settings, content=content_for(settings.centre), db=db)

    @property
    def reminder_policy(self) -> ReminderPolicy:
        s = self.settings
        return ReminderPolicy(
            tz=s.tz,
            day_before_at=_hhmm(s.reminder_day_before_at),
            hours_before=s.reminder_hours_before,
            quiet_start=_hhmm(s.reminder_quiet_start),
            quiet_end=_hhmm(s.reminder_quiet_end),
        )

    @cached_property
    def understanding(self) -> Understanding:
        """Word classes and rules for crisis help and the FAQ, read once per process."""
        return understanding()

    @cached_property
    def languages(self) -> LanguageMemory:
        """Each user's stored language, read once per process (`storage.parents`)."""
        return LanguageMemory(self.db)

    def language_for(self, telegram_user_id: int, telegram_code: str | None) -> str:
        """The stored choice (parent row; Bulgarian for staff), else the Telegram language."""
        stored = self.languages.stored(telegram_user_id)
        if stored in SUPPORTED_LANGUAGES:
            return stored
        return pick_language(telegram_code)

    def now(self) -> datetime:
        return utcnow()

    def local_now(self) -> datetime:
        return utcnow().astimezone(self.settings.tz)


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))
