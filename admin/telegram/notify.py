"""Bridges for callers that announce after their own commit (the booking flow until it is a
package; tests): the notice goes into the outbox in a transaction of its own and the
outbox is dispatched at once.

New code writes the notices in the service's own transaction (`admin.notices`), so that a
crash after the commit cannot lose them.
"""

from __future__ import annotations

import logging

from sqlmodel import col, select
from telegram import Bot

from admin import notices
from admin.telegram.outbox import dispatch
from bot.services import Services
from storage.models import Outbox
from storage.outbox import Kind

log = logging.getLogger(__name__)


async def announce_new_booking(bot: Bot, services: Services, appointment_id: int) -> None:
    """Queue the new booking's card unless the booking's own transaction already did."""
    try:
        with services.db.session() as session:
            queued = session.exec(
                select(Outbox.id).where(
                    col(Outbox.appointment_id) == appointment_id,
                    col(Outbox.kind) == Kind.staff_card,
                )
            ).first()
            if queued is None:
                notices.new_booking(session, services, appointment_id)
        await dispatch(bot, services)
    except Exception as exc:  # the parent's booking stands whatever happens here
        log.error("staff card for %s not queued: %s", appointment_id, type(exc).__name__)


async def announce_parent_change(
    bot: Bot, services: Services, appointment_id: int, change: str
) -> None:
    """Queue a line to staff and the cards' edits, then dispatch."""
    try:
        notices.announce(services, appointment_id, change)
        await dispatch(bot, services)
    except Exception as exc:  # never break the caller
        log.error("staff not told about %s (%s): %s", appointment_id, change, type(exc).__name__)
