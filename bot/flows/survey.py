"""Two questions after a visit: a score (1–5) by button, then an optional line of comment.

The question arrives on its own (`storage.survey`), with `sv:<invite>:<1-5>` and
`sv:<invite>:stop`. A score opens the comment step: the next text is the comment,
"Пропускам" (`sv:<invite>:skip`) closes it. Every press checks that the question is the
presser's and still open, so a forged or second press changes nothing.
"""

from __future__ import annotations

import re
import warnings
from contextlib import suppress
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.background import durable_write
from bot.context import BotContext
from bot.i18n import _
from bot.routing import answered, handed_over
from bot.ui import ANY_MENU_BUTTON, inline, menu_button, require_message, show
from storage import survey
from storage.errors import SurveyClosed

NAME = "survey"
COMMENT = 0
KEY = "survey"
PRESS = re.compile(r"^sv:(\d{1,18}):([1-5]|stop|skip)$")


def _parse(update: Update) -> tuple[int, str, int] | None:
    query = update.callback_query
    match = PRESS.match(query.data or "") if query else None
    user = update.effective_user
    if match is None or user is None:
        return None
    return int(match.group(1)), match.group(2), user.id


async def _closed(update: Update) -> int:
    await show(update, _("Вече получихме отговора Ви. Благодарим Ви!"), inline([[menu_button()]]))
    return ConversationHandler.END


async def press(update: Update, context: BotContext) -> int:
    """Keep a score and ask for a comment; or stop the questions; or skip the comment."""
    parsed = _parse(update)
    if parsed is None:
        return await _closed(update)
    invite, action, user = parsed
    services = context.services
    assert context.user_data is not None
    try:
        if action == "stop":
            await durable_write(
                services.db, survey.stop, services.db, invite_id=invite, telegram_user_id=user,
                now=services.now(),
            )  # fmt: skip
            context.user_data.pop(KEY, None)
            await show(
                update,
                _("Разбрахме. Няма да Ви задаваме повече такива въпроси."),
                inline([[menu_button()]]),
            )
            return ConversationHandler.END
        if action == "skip":
            await durable_write(
                services.db, survey.give_comment, services.db, invite_id=invite,
                telegram_user_id=user, text=None, now=services.now(),
                policy=services.reminder_policy,
            )  # fmt: skip
            context.user_data.pop(KEY, None)
            await show(update, _("Благодарим Ви!"), inline([[menu_button()]]))
            return ConversationHandler.END
        await durable_write(
            services.db, survey.give_score, services.db, invite_id=invite,
            telegram_user_id=user, score=int(action), now=services.now(),
            policy=services.reminder_policy,
        )  # fmt: skip
    except SurveyClosed:
        context.user_data.pop(KEY, None)
        return await _closed(update)
    context.user_data[KEY] = invite
    await show(
        update,
        _(
            "Благодарим Ви! Ако искате, напишете с едно изречение какво Ви помогна или какво "
            "да направим по-добре. Не пишете имена и лични подробности."
        ),
        inline([[(_("Пропускам"), f"sv:{invite}:skip")]]),
    )
    return COMMENT


async def write_comment(update: Update, context: BotContext) -> int:
    """Keep the line of comment and thank the parent."""
    assert context.user_data is not None
    invite = context.user_data.pop(KEY, None)
    services = context.services
    if isinstance(invite, int):
        with suppress(SurveyClosed):  # answered from another device meanwhile: thanks anyway
            await durable_write(
                services.db, survey.give_comment, services.db, invite_id=invite,
                telegram_user_id=update.effective_user.id if update.effective_user else 0,
                text=require_message(update).text, now=services.now(),
                policy=services.reminder_policy,
            )  # fmt: skip
    await require_message(update).reply_text(_("Благодарим Ви за отзива!"))
    return ConversationHandler.END


async def hand_over(update: Update, context: BotContext) -> int:
    """Anything but a line of text ends the comment step; the main group then answers it.

    Not `answered` (bot/routing.py): the update goes on to the later groups.
    """
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    return ConversationHandler.END


async def timed_out(update: Update, context: BotContext) -> None:
    """No comment came: the score stays, the step closes quietly."""
    if context.user_data is not None:
        context.user_data.pop(KEY, None)


def handlers(timeout_minutes: int = 30) -> list[BaseHandler]:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    text_in = private & filters.TEXT & ~filters.COMMAND & ~ANY_MENU_BUTTON
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation: Any = ConversationHandler(
            entry_points=[CallbackQueryHandler(answered(press), pattern=r"^sv:")],
            states={
                COMMENT: [MessageHandler(text_in, answered(write_comment))],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                MessageHandler(private & ANY_MENU_BUTTON, handed_over(hand_over)),
                CommandHandler(
                    ["start", "menu", "cancel"], handed_over(hand_over), filters=private
                ),
            ],
            name=NAME,
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=timeout_minutes),
        )
    return [conversation]
