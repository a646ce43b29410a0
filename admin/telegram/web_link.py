"""/web: a staff member's one-time sign-in link to the web desk (`admin.web`).

Only in a private chat: a link posted in the staff group would let anyone there sign in as
the sender. Anyone who is not staff gets the ordinary "Не успях да разбера…" answer.
Owns no callback prefix.
"""

from __future__ import annotations

import logging

from telegram import LinkPreviewOptions, Update

from admin import staff as staff_service
from admin import web_signin
from admin.telegram.access import is_private, refuse, user_id_of
from admin.telegram.replies import reply
from bot.context import BotContext
from bot.i18n import _
from storage.errors import NotAllowed

log = logging.getLogger(__name__)


async def web_link(update: Update, context: BotContext) -> None:
    """Send a sign-in link that works once, for 10 minutes (in a private chat only)."""
    services = context.services
    try:
        if not is_private(update):
            staff_service.check(services.db, user_id_of(update))
            await reply(update, _("Изпратете /web на бота в личен чат: там ще получите връзката."))
            return
        token = web_signin.issue_token(services.db, telegram_user_id=user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    if not services.settings.web_port:
        await reply(update, _("Уеб бюрото не е включено на този сървър."))
        return
    log.info("web sign-in link issued to staff %s", user_id_of(update))
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id,
        _("Вход в уеб бюрото (връзката важи веднъж, 10 минути):\n{link}").format(
            link=web_signin.link(services.settings.web_base_url, token)
        ),
        # No preview: Telegram would fetch the link (it only shows a button, but still).
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
