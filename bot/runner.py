"""Start the real bot: migrations first, then polling (or webhook)."""

from __future__ import annotations

import logging

from telegram import Update

from bot.app import build_application
from bot.config import Settings

log = logging.getLogger(__name__)


def run_polling(settings: Settings) -> None:
    application = build_application(settings)
    log.info("starting long polling")
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
