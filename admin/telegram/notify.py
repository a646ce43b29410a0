"""Tell the staff chat about parents' actions (cards live in admin/telegram/cards.py).

Called by parents' flows after the storage service committed; failures here must
never undo or hide the parent's booking, so they are logged and swallowed.
"""

from __future__ import annotations

import logging

from telegram import Bot

from bot.services import Services

log = logging.getLogger(__name__)


async def announce_new_booking(bot: Bot, services: Services, appointment_id: int) -> None:
    """Post the new booking's card with Потвърди · Откажи · Друг час (issue 5)."""
    log.info("new booking %s (staff card not implemented yet)", appointment_id)


async def announce_parent_change(
    bot: Bot, services: Services, appointment_id: int, change: str
) -> None:
    """Tell staff that a parent cancelled, moved, or answered a reminder.

    `change` is one of: "cancelled", "moved", "coming", "cant_come", "unreachable",
    "accepted_proposal", "refused_proposal", "forgotten".
    """
    log.info("appointment %s: parent change %s (not implemented yet)", appointment_id, change)
