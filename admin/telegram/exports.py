"""/export for admins: this month's appointments as a CSV file that opens in Excel.

The file is built by `admin.export` (which checks the admin role); this module only sends
it. Owns no callback prefix.
"""

from __future__ import annotations

from telegram import Update

from admin import export, stats
from admin.telegram.access import refuse, user_id_of
from admin.telegram.lists import local_today
from bot.context import BotContext
from bot.i18n import _
from bot.ui import require_message
from storage.errors import NotAllowed


async def export_month(update: Update, context: BotContext) -> None:
    """Admin: send this month's appointments as a CSV file (opens in Excel)."""
    services = context.services
    first = local_today(services).replace(day=1)
    last = stats.month_last_day(first)
    try:
        data = export.export_for_staff(
            services, staff_user_id=user_id_of(update), first=first, last=last
        )
    except NotAllowed:
        await refuse(update, context)
        return
    await require_message(update).reply_document(
        document=data,
        filename=f"cop-{first:%Y-%m}.csv",
        caption=_("Часовете за {month}: CSV (UTF-8), отваря се с Excel.").format(
            month=f"{first:%m.%Y}"
        ),
    )
