"""What a web action tells the parent and the staff chat: nothing of its own any more.

The `admin.appointments` (and `admin.hours`) services write the parent's message and the
cards' edits as outbox rows in the action's own transaction, exactly as for a Telegram
card; the outbox's waker sends them right after the commit (`admin.telegram.outbox`), in
this same event loop. The one thing the desk asks for directly is "send a reminder now",
which the outbox sends at once and reports on.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from admin.telegram.outbox import send_now
from bot.context import SERVICES_KEY
from bot.services import Services

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def remind_now(application: AnyApplication, appointment_id: int, actor: str) -> bool:
    """Send the reminder now, through the outbox's own claim and delivery record."""
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return await send_now(application.bot, services, appointment_id, actor)
