"""Parents' questions in the staff chat: cards, answers, closing, /questions, raising again.

Each question arrives as a card (🆘 first when a crisis word was in it) with "✍️ Отговорете"
(`st:qa:ID`) and "🔒 Затворете без отговор" (`st:qx:ID`). Staff answer with a Telegram reply
to the card (or to any later message of the question), or with the button: it posts a
ForceReply prompt, and the reply to that prompt is the answer (or the internal note). Every
staff message of a question is remembered (`QuestionCard`), so a reply finds its question
after a restart too. Only staff may answer: the staff list is checked on every call; anyone
else's reply in the group is ignored. The parent reads "Отговор от Ива, ЦОП Харманли: …".

Sending goes through `deliver_*` / `announce*` / `refresh` here; they read the question from
the database, so a dispatcher (the outbox) can call them again after a restart.
"""

from __future__ import annotations

import logging

from telegram import Bot, ForceReply, Message, MessageEntity, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError

from admin import questions as service
from admin import staff as staff_service
from admin.telegram.access import refuse, user_id_of
from admin.telegram.notify import STAFF_LANGUAGE
from admin.telegram.replies import query_of
from bot.context import BotContext
from bot.i18n import _, language
from bot.services import Services
from bot.ui import inline, require_message
from storage import questions as repo
from storage.errors import AlreadyHandled, NotAllowed, NotFound
from storage.questions import Line, QuestionView

log = logging.getLogger(__name__)

STAFF_KINDS = frozenset({"card", "follow", "prompt", "close"})
PARENT_KIND = "parent"  # an answer in the parent's chat: their reply to it goes on the thread


# --- sending (a later outbox dispatcher calls the same functions) -------------------------------


async def _send_file(bot: Bot, chat_id: int, line: Line, reply_to: int | None) -> Message | None:
    if not line.file_id:
        return None
    params = (
        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        if reply_to
        else None
    )
    if line.file_kind == "photo":
        return await bot.send_photo(chat_id, line.file_id, reply_parameters=params)
    return await bot.send_document(chat_id, line.file_id, reply_parameters=params)


async def announce(bot: Bot, services: Services, question_id: int) -> None:
    """Post the new question's card in the staff chat(s), its photo or document under it."""
    db, tz = services.db, services.settings.tz
    try:
        view = repo.load(db, question_id)
        chats = staff_service.announce_chats(db, services.settings.staff_chat_id)
    except Exception as exc:  # the parent's question is stored whatever happens here
        log.error("question %s card not built: %s", question_id, type(exc).__name__)
        return
    if not chats:
        log.warning("no staff chat and no staff members: question %s not announced", view.id)
    with language(STAFF_LANGUAGE):
        text = service.card_text(view, tz, services.now())
        markup = inline(service.card_rows(view))
    for chat_id in chats:
        try:
            message = await bot.send_message(chat_id, text, reply_markup=markup)
            repo.record_card(
                db, question_id=view.id, chat_id=chat_id, message_id=message.message_id
            )
            sent = await _send_file(bot, chat_id, view.lines[0], message.message_id)
            if sent is not None:
                repo.record_card(
                    db,
                    question_id=view.id,
                    chat_id=chat_id,
                    message_id=sent.message_id,
                    kind="follow",
                )
        except TelegramError as exc:
            log.warning("question %s card not posted: %s", question_id, type(exc).__name__)


async def announce_follow(bot: Bot, services: Services, question_id: int, *, reply: bool) -> None:
    """Post the parent's newest message under each card, then refresh the cards."""
    db = services.db
    try:
        view = repo.load(db, question_id)
        cards = repo.cards_of(db, question_id)
    except Exception as exc:
        log.error("question %s follow-up not built: %s", question_id, type(exc).__name__)
        return
    line = view.last_parent_line
    if line is None:
        return
    if not cards:  # the card was never posted (no staff chat then): post it now
        await announce(bot, services, question_id)
        return
    with language(STAFF_LANGUAGE):
        text = service.follow_text(view, line, reply=reply)
        markup = inline(service.card_rows(view))
    for chat_id, card_id in cards:
        try:
            message = await bot.send_message(
                chat_id,
                text,
                reply_markup=markup,
                reply_parameters=ReplyParameters(
                    message_id=card_id, allow_sending_without_reply=True
                ),
            )
            repo.record_card(
                db,
                question_id=view.id,
                chat_id=chat_id,
                message_id=message.message_id,
                kind="follow",
            )
            sent = await _send_file(bot, chat_id, line, message.message_id)
            if sent is not None:
                repo.record_card(
                    db,
                    question_id=view.id,
                    chat_id=chat_id,
                    message_id=sent.message_id,
                    kind="follow",
                )
        except TelegramError as exc:
            log.warning("question %s follow-up not posted: %s", question_id, type(exc).__name__)
    await refresh(bot, services, question_id, view)


async def refresh(
    bot: Bot, services: Services, question_id: int, view: QuestionView | None = None
) -> None:
    """Edit every card of the question to show who answered or closed it, and when."""
    try:
        view = view or repo.load(services.db, question_id)
        cards = repo.cards_of(services.db, question_id)
    except Exception as exc:
        log.error("question %s cards not loaded: %s", question_id, type(exc).__name__)
        return
    with language(STAFF_LANGUAGE):
        text = service.card_text(view, services.settings.tz, services.now())
        markup = inline(service.card_rows(view))
    for chat_id, message_id in cards:
        try:
            await bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("question %s card not edited: BadRequest", question_id)
        except TelegramError as exc:
            log.warning("question %s card not edited: %s", question_id, type(exc).__name__)


async def deliver_answer(bot: Bot, services: Services, question_id: int) -> None:
    """Send the newest staff answer to the parent, in the parent's language."""
    try:
        view = repo.load(services.db, question_id)
    except NotFound:
        return  # erased by /forget meanwhile
    with language(view.language):
        text = service.answer_for_parent(view, services.content)
        markup = inline(service.parent_rows(view))
    try:
        message = await bot.send_message(view.parent_chat_id, text, reply_markup=markup)
    except TelegramError as exc:
        log.warning("answer to question %s not delivered: %s", question_id, type(exc).__name__)
        return
    repo.record_card(
        services.db,
        question_id=view.id,
        chat_id=view.parent_chat_id,
        message_id=message.message_id,
        kind=PARENT_KIND,
    )


async def raise_unanswered(bot: Bot, services: Services) -> int:
    """Raise again each question unanswered for one working day; returns how many."""
    now, tz = services.now(), services.settings.tz
    raised = 0
    for question_id in service.due_for_raise(services.db, now=now, tz=tz):
        try:
            view = repo.load(services.db, question_id)
            cards = dict(repo.cards_of(services.db, question_id))
            chats = staff_service.announce_chats(services.db, services.settings.staff_chat_id)
            with language(STAFF_LANGUAGE):
                text = service.raise_text(view, now)
                markup = inline(service.card_rows(view))
            for chat_id in chats:
                reply = (
                    ReplyParameters(message_id=cards[chat_id], allow_sending_without_reply=True)
                    if chat_id in cards
                    else None
                )
                message = await bot.send_message(
                    chat_id, text, reply_markup=markup, reply_parameters=reply
                )
                repo.record_card(
                    services.db,
                    question_id=view.id,
                    chat_id=chat_id,
                    message_id=message.message_id,
                    kind="follow",
                )
            service.mark_raised(services.db, question_id, now)
            raised += 1
        except (TelegramError, NotFound) as exc:
            log.warning("question %s not raised: %s", question_id, type(exc).__name__)
    return raised


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


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def _prompt(update: Update, context: BotContext, view: QuestionView, kind: str) -> None:
    """A ForceReply for the one who pressed: their reply to it is the answer or the note."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    prompt = (
        _("напишете отговора на въпрос №{id}; родителят ще го прочете.")
        if kind == "prompt"
        else _("напишете бележка защо затваряте въпрос №{id} (вижда я само екипът).")
    ).format(id=view.id)
    name = user.first_name
    text = _("{name}, {prompt}").format(name=name, prompt=prompt)
    offset = _utf16_len(text[: text.index(name)])
    entities = [MessageEntity(MessageEntity.TEXT_MENTION, offset, _utf16_len(name), user=user)]
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
        await refresh(context.bot, services, question_id, view)
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
                services.db, question_id=question_id, staff_user_id=uid, note=text, now=now
            )
        else:
            view = service.answer(
                services.db, question_id=question_id, staff_user_id=uid, text=text, now=now
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
        await deliver_answer(context.bot, services, question_id)
        await message.reply_text(
            _("Отговорът на въпрос №{id} е изпратен на родителя.").format(id=view.id)
        )
    await refresh(context.bot, services, question_id, view)
