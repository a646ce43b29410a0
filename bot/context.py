"""Typed callback context: `context.services` instead of `bot_data["…"]` lookups."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot

from bot.background import run_later
from bot.services import Services

SERVICES_KEY = "services"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        return cast(Services, self.application.bot_data[SERVICES_KEY])

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run a staff notice beside this update instead of inside it (bot/background.py)."""
        run_later(self.application, work)


def attach_services(
    application: Application[Any, Any, Any, Any, Any, Any], services: Services
) -> None:
    application.bot_data[SERVICES_KEY] = services
