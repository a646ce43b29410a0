"""/export for admins: this month's appointments as a CSV file that opens in Excel.

The file is built by `admin.export` (which checks the admin role); this module only sends
it. Owns no callback prefix.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.error import BadRequest, Forbidden

from admin import export, stats
from admin.telegram.access import refuse, user_id_of
from admin.telegram.lists import local_today
from bot.context import BotContext
from bot.i18n import _
from bot.ui import require_message
from storage.errors import NotAllowed


async def export_month(update: Update, context: BotContext) -> None:
    """Admin: send this month's appointments as a CSV file (opens in Excel).

    The file holds names and phones: typed in a group it goes to the admin's private chat,
    never to the group. Built in a worker thread (a big month must not hold other chats).
    """
    services = context.services
    first = local_today(services).replace(day=1)
    last = stats.month_last_day(first)
    try:
        data = await asyncio.to_thread(
            export.export_for_staff,
            services,
            staff_user_id=user_id_of(update),
            first=first,
            last=last,
        )
    except NotAllowed:
        await refuse(update, context)
        return
    message = require_message(update)
    filename = f"cop-{first:%Y-%m}.csv"
    caption = _("Часовете за {month}: CSV (UTF-8), отваря се с Excel.").format(
        month=f"{first:%m.%Y}"
    )
    if message.chat.type == message.chat.PRIVATE:
        await message.reply_document(document=data, filename=filename, caption=caption)
        return
    try:
        await context.bot.send_document(
            user_id_of(update), document=data, filename=filename, caption=caption
        )
    except (Forbidden, BadRequest):
        await message.reply_text(
            _(
                "Файлът съдържа лични данни и се изпраща само в личен чат. Отворете личен "
                "чат с бота, натиснете Start и напишете /export отново."
            )
        )
        return
    await message.reply_text(_("Изпратих файла в личния Ви чат с бота."))
