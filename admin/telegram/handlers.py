"""Placeholder: staff commands and buttons (issue 5)."""

from __future__ import annotations

from telegram.ext import BaseHandler

from bot.config import Settings


def handlers(settings: Settings) -> list[BaseHandler]:  # type: ignore[type-arg]
    return []
