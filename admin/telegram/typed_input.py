"""The `staff_input` conversation: a staff member types a reason or a note.

A button starts it and the staff member's next text message is used: as the reason to
decline or cancel ("✍️ Друга причина", which the parent reads) or as a note that only staff
see ("📝 Бележка"). /cancel stops it. What is awaited sits in `user_data[INPUT_KEY]`
(persisted) together with its deadline (`TYPING_TIMEOUT_SECONDS`, `bot.steps`) and the
prompt's message id: the deadline is checked on every message, so a restart cannot leave
the step open; after it the text is ordinary text. In a group only a reply to the prompt
counts (other talk in the group is not the reason). The crisis flow reads that key too.

Callback prefixes owned here (the conversation's entry points, registered before the
other staff buttons):
- `st:r:d:ID:x` / `st:r:c:ID:x` type the reason to decline / cancel;
- `st:note:ID` type a note.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import ForceReply, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from admin import appointments
from admin.telegram.access import button, open_or_refuse, refuse, user_id_of
from admin.telegram.booking_cards import decline_or_cancel
from admin.telegram.replies import already_text, callback_parts, mention_prompt, query_of
from bot.config import Settings
from bot.context import BotContext
from bot.i18n import _
from bot.routing import answered
from bot.steps import as_ordinary_text, expired, open_until
from bot.ui import require_message
from storage.errors import AlreadyHandled, NotAllowed

TYPING = 0  # the staff member is typing a reason or a note
INPUT_KEY = "staff_input"
TYPING_TIMEOUT_SECONDS = 15 * 60


async def start_typing(update: Update, context: BotContext) -> int:
    """Ask for a typed reason ("Друга причина") or a staff note; the next message is it."""
    parts = callback_parts(update)
    if parts[1] == "note":
        kind, appointment_id = "n", int(parts[2])
    else:
        kind, appointment_id = parts[2], int(parts[3])
    if await open_or_refuse(update, context, appointment_id) is None:
        return ConversationHandler.END
    assert context.user_data is not None
    await query_of(update).answer()
    prompt = (
        _("Напишете бележка към час №{id} (вижда я само екипът). /cancel — без бележка.")
        if kind == "n"
        else _("Напишете причината за час №{id}; родителят ще я прочете. /cancel — назад.")
    )
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    text, entities = prompt.format(id=appointment_id), None
    if chat.type != chat.PRIVATE:
        # In the staff group the reply field opens only for the one who pressed: a
        # selective ForceReply reaches the users mentioned in the text.
        text, entities = mention_prompt(user, text)
    prompt_message = await context.bot.send_message(
        chat.id,
        text,
        entities=entities,
        reply_markup=ForceReply(selective=True, input_field_placeholder=_("Текст")),
    )
    step: dict[str, object] = {
        "kind": kind,
        "id": appointment_id,
        "prompt": prompt_message.message_id,
    }
    open_until(step, context.services.now(), timedelta(seconds=TYPING_TIMEOUT_SECONDS))
    context.user_data[INPUT_KEY] = step
    return TYPING


async def typed_text(update: Update, context: BotContext) -> int:
    """Use the typed text as the reason or the note, then report back."""
    services = context.services
    assert context.user_data is not None
    message = require_message(update)
    pending = context.user_data.get(INPUT_KEY)
    if expired(pending, services.now()):
        context.user_data.pop(INPUT_KEY, None)
        as_ordinary_text(update, context)
        return ConversationHandler.END
    assert pending is not None
    if message.chat.type != message.chat.PRIVATE:
        replied = message.reply_to_message
        if replied is None or replied.message_id != pending.get("prompt"):
            return TYPING  # group talk that does not answer the prompt is not the reason
    context.user_data.pop(INPUT_KEY, None)
    text = (message.text or "").strip()[:500]
    if not text:
        return ConversationHandler.END
    kind, appointment_id = str(pending["kind"]), int(pending["id"])
    try:
        if kind == "n":
            view = appointments.add_note(
                services,
                appointment_id=appointment_id,
                staff_user_id=user_id_of(update),
                text=text,
            )
        else:
            view = decline_or_cancel(services, kind, appointment_id, user_id_of(update), text)
    except NotAllowed:
        await refuse(update, context)
        return ConversationHandler.END
    except AlreadyHandled as exc:
        await message.reply_text(already_text(exc, services))
        return ConversationHandler.END
    # The cards' edits and the parent's message are outbox rows of the same transaction.
    if kind == "n":
        await message.reply_text(_("Бележката е записана към час №{id}.").format(id=view.id))
    else:
        await message.reply_text(
            _("Готово: час №{id}. Съобщението до родителя се изпраща.").format(id=view.id)
        )
    return ConversationHandler.END


async def typing_cancelled(update: Update, context: BotContext) -> int:
    """Stop waiting for the typed text."""
    if context.user_data is not None:
        context.user_data.pop(INPUT_KEY, None)
    await require_message(update).reply_text(_("Добре, нищо не е променено."))
    return ConversationHandler.END


async def typing_timeout(update: Update, context: BotContext) -> None:
    """Forget an unfinished reason or note after a while (nothing is changed)."""
    if context.user_data is not None:
        context.user_data.pop(INPUT_KEY, None)


def typing_conversation(settings: Settings) -> ConversationHandler:  # type: ignore[type-arg]
    """The persistent `staff_input` conversation, started by its two buttons."""
    with warnings.catch_warnings():
        # Buttons only start it; the typed text is tracked per chat and user, as intended.
        warnings.simplefilter("ignore")
        # Each step answers the update itself: `answered` keeps later groups from answering it.
        return ConversationHandler(
            entry_points=[
                CallbackQueryHandler(answered(button(start_typing)), pattern=r"^st:r:[dc]:\d+:x$"),
                CallbackQueryHandler(answered(button(start_typing)), pattern=r"^st:note:\d+$"),
            ],
            states={
                TYPING: [MessageHandler(filters.TEXT & ~filters.COMMAND, answered(typed_text))],
                ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, typing_timeout)],
            },
            fallbacks=[CommandHandler("cancel", answered(typing_cancelled))],
            name="staff_input",
            persistent=True,
            allow_reentry=True,
            conversation_timeout=TYPING_TIMEOUT_SECONDS,
        )
