"""Joining the staff and the staff's command list: /staff CODE, and /start or /help in a group.

A new staff member sends `/staff CODE` with a one-time invite (made with `cop-admin`, checked
by `admin.staff`); `/staff` alone, and /start or /help in the staff group, show the staff
commands to staff and the ordinary refusal to anyone else. Owns no callback prefix.
"""

from __future__ import annotations

import logging

from telegram import Update

from admin import staff as staff_service
from admin.telegram.access import refuse, user_id_of
from admin.telegram.replies import reply
from bot.context import BotContext
from bot.i18n import _, set_language
from storage.errors import NotAllowed
from storage.staff import InviteExpired, InviteInvalid, InviteUsed

log = logging.getLogger(__name__)

# The web desk's invite QR opens t.me/<bot>?start=staff-CODE: /start with that payload.
DEEP_LINK_PREFIX = "staff-"


def _staff_help() -> str:
    return _(
        "Команди на екипа:\n"
        "/today, /tomorrow, /week — часовете по дни\n"
        "/pending — заявки, които чакат отговор\n"
        "/undelivered — родители, до които съобщението не стигна\n"
        "/find име или телефон\n"
        "/stats [2026-11] — статистика за месеца\n"
        "/hours — работно време\n"
        "/web — вход в уеб бюрото (в личен чат)\n"
        "/close ДАТА [причина], /open ДАТА, /export — за администратори"
    )


async def group_start(update: Update, context: BotContext) -> None:
    """/start or /help in a group: the staff commands for staff, silence for anybody else."""
    try:
        staff_service.check(context.services.db, user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    await reply(update, _staff_help())


async def join(update: Update, context: BotContext) -> None:
    """Join the staff with a one-time invite code: /staff CODE."""
    services = context.services
    user = update.effective_user
    if user is None:
        return
    code = "".join(context.args or [])
    if code.lower().startswith(DEEP_LINK_PREFIX):  # /start staff-CODE from the invite's QR
        code = code[len(DEEP_LINK_PREFIX) :]
    if not code:
        try:
            staff_service.check(services.db, user.id)
        except NotAllowed:
            await refuse(update, context)
            return
        await reply(update, _staff_help())
        return
    chat = update.effective_chat
    private_chat = chat.id if chat is not None and chat.type == "private" else None
    try:
        member = staff_service.join(
            services.db,
            code=code,
            telegram_user_id=user.id,
            name=user.full_name[:100],
            chat_id=private_chat,
        )
    except InviteInvalid:
        await reply(update, _("Кодът не е верен. Проверете го или поискайте нов."))
        return
    except InviteUsed:
        await reply(update, _("Този код вече е използван. Поискайте нов от администратора."))
        return
    except InviteExpired:
        await reply(update, _("Кодът е изтекъл. Поискайте нов от администратора."))
        return
    log.info("staff %s joined with an invite (role %s)", user.id, member.role)
    context.services.languages.forget(user.id)  # staff read Bulgarian from now on
    set_language("bg")
    role = _("администратор") if member.is_admin else _("служител")
    await reply(
        update,
        _("Добре дошли в екипа, {name}. Роля: {role}.").format(name=member.name, role=role)
        + "\n\n"
        + _staff_help(),
    )
