"""What every handler and job needs, built once per process. No telegram import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.centre import Content, content_for
from bot.config import Settings
from storage.clock import utcnow
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    content: Content
    db: Database

    @classmethod
    def from_settings(cls, settings: Settings, *, upgrade: bool = True) -> Services:
        db = Database(settings.database_url)
        if upgrade:
            db.upgrade()
        return cls(settings=settings, content=content_for(settings.centre), db=db)

    def now(self) -> datetime:
        return utcnow()

    def local_now(self) -> datetime:
        return utcnow().astimezone(self.settings.tz)
