"""Parents' questions in the staff chat: cards, answers, closing, /questions, raising again.

Each question arrives as a card (🆘 first when a crisis word was in it) with "✍️ Отговорете"
(`st:qa:ID`) and "🔒 Затворете без отговор" (`st:qx:ID`). Staff answer with a Telegram reply
to the card (or to any later message of the question), or with the button: it posts a
ForceReply prompt, and the reply to that prompt is the answer (or the internal note). Every
staff message of a question is remembered (`QuestionCard`), so a reply finds its question
after a restart too. Only staff may answer: the staff list is checked on every call; anyone
else's reply in the group is ignored. The parent reads "Отговор от Ива, ЦОП Харманли: …".

The card, its edits, the lines under it and the answer to the parent are outbox rows written
with the change (`admin.questions`); only the answers to a staff member's own action (the
prompt, "sent", "already answered") are sent here directly.
"""

from __future__ import annotations

import logging

from telegram import ForceReply, Update

from admin import questions as service
from admin.notices import STAFF_LANGUAGE
from admin.telegram.access import refuse, user_id_of
from admin.telegram.replies import mention_prompt, query_of
from bot.context import BotContext
from bot.i18n import _, language
from bot.ui import inline, require_message
from storage import questions as repo
from storage.errors import AlreadyHandled, NotAllowed, NotFound
from storage.questions import QuestionView

log = logging.getLogger(__name__)

STAFF_KINDS = frozenset({"card", "follow", "prompt", "close"})


# --- staff handlers -----------------------------------------------------------------------------


async def list_questions(update: Update, context: BotContext) -> None:
    """/questions: the open questions, the longest waiting first, each with its button."""
    services = context.services
    try:
        views = service.list_open(services.db, staff_user_id=user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    text = service.list_text(views, services.now())
    rows = [[(_("✍️ №{id}").format(id=v.id), f"st:qa:{v.id}")] for v in views[:20]]
    await require_message(update).reply_text(text, reply_markup=inline(rows) if rows else None)


async def _prompt(update: Update, context: BotContext, view: QuestionView, kind: str) -> None:
    """A ForceReply for the one who pressed: their reply to it is the answer or the note."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    prompt = (
        _("напишете отговора на въпрос №{id}; родителят ще го прочете.")
        if kind == "prompt"
        else _("напишете бележка защо затваряте въпрос №{id} (вижда я само екипът).")
    ).format(id=view.id)
    text, entities = mention_prompt(user, prompt)
    message = await context.bot.send_message(
        chat.id,
        text,
        entities=entities,
        reply_markup=ForceReply(selective=True, input_field_placeholder=_("Текст")),
    )
    repo.record_card(
        context.services.db,
        question_id=view.id,
        chat_id=chat.id,
        message_id=message.message_id,
        kind=kind,
    )


async def answer_button(update: Update, context: BotContext) -> None:
    """ "✍️ Отговорете" / "🔒 Затворете": ask the one who pressed for the text."""
    query = query_of(update)
    parts = (query.data or "").split(":")
    action, question_id = parts[1], int(parts[2])
    services = context.services
    try:
        view = service.open_for_staff(
            services.db, question_id=question_id, staff_user_id=user_id_of(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except NotFound:
        await query.answer(_("Този въпрос вече не съществува."), show_alert=True)
        return
    closing = action == "qx"
    if view.status == "closed" or (not closing and view.status != "open"):
        with language(STAFF_LANGUAGE):
            notice = service.answered_notice(view, services.settings.tz)
        await query.answer(notice, show_alert=True)
        return
    await query.answer()
    await _prompt(update, context, view, "close" if closing else "prompt")


async def staff_reply(update: Update, context: BotContext, question_id: int, kind: str) -> None:
    """A reply to a question's message in the staff chat: the answer, or the closing note.

    Anyone who is not staff is ignored (silence in the group).
    """
    services = context.services
    message = require_message(update)
    text = (message.text or "").strip()
    if not text:
        return
    uid = user_id_of(update)
    now = services.now()
    try:
        if kind == "close":
            view = service.close(
                services, question_id=question_id, staff_user_id=uid, note=text, now=now
            )
        else:
            view = service.answer(
                services, question_id=question_id, staff_user_id=uid, text=text, now=now
            )
    except NotAllowed:
        log.info("reply to question %s from someone not staff ignored", question_id)
        if update.effective_chat is not None and update.effective_chat.type == "private":
            await refuse(update, context)
        return
    except NotFound:
        await message.reply_text(_("Този въпрос вече не съществува."))
        return
    except AlreadyHandled:
        current = repo.load(services.db, question_id)
        with language(STAFF_LANGUAGE):
            notice = service.answered_notice(current, services.settings.tz)
        await message.reply_text(notice + " " + _("Вашият текст не е изпратен."))
        return
    log.info("question %s %s by staff", question_id, "closed" if kind == "close" else "answered")
    if kind == "close":
        await message.reply_text(_("Въпрос №{id} е затворен.").format(id=view.id))
    else:
        await message.reply_text(
            _("Отговорът на въпрос №{id} е изпратен на родителя.").format(id=view.id)
        )
