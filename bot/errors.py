"""The one error handler: log the failure without personal data, and tell the user."""

from __future__ import annotations

import contextlib
import logging
import traceback

from telegram import Update
from telegram.error import NetworkError, TelegramError

from bot.context import BotContext
from bot.i18n import _

log = logging.getLogger(__name__)


def where(error: BaseException | None) -> str:
    """The frames of the failure (file:line function), without the exception's text."""
    if error is None or error.__traceback__ is None:
        return "?"
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    return " <- ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames)
    )


async def error_handler(update: object, context: BotContext) -> None:
    """Apologise with the centre's phone; the log names the error, never the message."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    # A timeout or a lost connection to the Bot API is not our bug, and the answer may well
    # have reached the user: say so instead of apologising for a failure.
    network = isinstance(error, NetworkError)
    # Only the type and the location: exception messages can quote user text.
    log.log(
        logging.WARNING if network else logging.ERROR,
        "update %s failed: %s at %s",
        update_id,
        type(error).__name__,
        where(error),
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        # Stop the button's spinner (it may have been answered before the failure).
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(_("Нещо се обърка. Опитайте отново."))
    if update.effective_chat.type != "private":
        return
    phone = context.services.content.contacts.main_phone.display
    text = (
        _(
            "Връзката с Telegram се забави. Ако не виждате отговора ми, натиснете бутона "
            "отново или напишете пак след малко."
        )
        if network
        else _(
            "Съжаляваме, нещо се обърка от наша страна. Опитайте отново след малко "
            "или се обадете на {phone}."
        ).format(phone=phone)
    )
    try:
        await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not send the apology for update %s", update_id)
