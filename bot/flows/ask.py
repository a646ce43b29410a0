""" "💬 Въпрос към специалист": the parent writes a question; staff answer in this chat.

Steps: a short note (a specialist answers here, usually within one working day; for danger
112) → consent as for a booking (asked once per parent) → the question (up to 2000
characters, text and an optional photo or document) → sent, with when to expect the answer;
whatever the parent writes next is added to the question until they press "Готово". The
answer arrives with "↩️ Отговорете" (`ask:add:ID`), and a Telegram reply to the answer goes
on the thread too. The diagram is in `ask.mmd`.

While the parent types here, `user_data[ASKING_KEY]` is set: the crisis flow then answers
with 112 first and lets the message through, so the question still reaches staff, marked 🆘.

Callback prefix: `ask:` (start, consent, add, done, cancel).
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, timedelta
from typing import Any

from babel.dates import get_day_names
from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from admin import questions as question_notices
from admin.telegram import questions as staff_questions
from bot.background import durable_write
from bot.context import BotContext
from bot.flows.common import ASKING_KEY, asking, question_of_reply
from bot.i18n import _, babel_locale, current_language
from bot.routing import note_step
from bot.ui import (
    ANY_MENU_BUTTON,
    PRIVATE_MESSAGE,
    inline,
    main_menu,
    menu_filter,
    require_message,
    show,
)
from storage import parents
from storage import questions as repo
from storage.db import Database
from storage.errors import NoConsent, NotFound
from storage.questions import QuestionClosed, TooManyMessages, TooManyOpen

log = logging.getLogger(__name__)

NAME = "ask"
CONSENT, TYPING, ADDING = range(3)
HANDED_OVER = -100  # a step gave the update to the main group (see `_step`)
# user_data[ASKING_KEY] = {"q": question id or None, "at": last step (epoch seconds)}.

private = filters.ChatType.PRIVATE
_MEDIA = filters.PHOTO | filters.Document.ALL
_WRITTEN = PRIVATE_MESSAGE & ((filters.TEXT & ~filters.COMMAND & ~ANY_MENU_BUTTON) | _MEDIA)
_ANYTHING_ELSE = PRIVATE_MESSAGE & ~filters.COMMAND & ~ANY_MENU_BUTTON & ~filters.StatusUpdate.ALL


# --- texts ------------------------------------------------------------------------------------


def note_text(context: BotContext) -> str:
    return _(
        "💬 Тук можете да зададете въпрос на специалист от центъра. Ще Ви отговорим в този "
        "чат, обикновено до един работен ден.\n"
        "При опасност за живота или здравето се обадете веднага на {emergency}."
    ).format(emergency=context.services.content.help_lines.emergency)


def prompt_text() -> str:
    return _(
        "Напишете въпроса си (до {max} знака). Можете да добавите снимка или документ."
    ).format(max=repo.MAX_TEXT)


def weekday_phrase(day: date) -> str:
    """ "в понеделник", "във вторник" (Babel's weekday names)."""
    name = get_day_names("wide", locale=babel_locale())[day.weekday()]
    if name[:1].lower() in ("в", "ф"):
        return _("във {weekday}").format(weekday=name)
    return _("в {weekday}").format(weekday=name)


def expectation_text(context: BotContext) -> str:
    """When to expect the answer, from the opening rules set by the centre."""
    services = context.services
    now = services.now()
    expected = repo.expected_answer(services.db, now=now, tz=services.settings.tz)
    if expected.kind == "today":
        return _("Специалист ще Ви отговори тук днес.")
    if expected.kind == "day" and expected.day is not None:
        today = now.astimezone(services.settings.tz).date()
        if expected.day - today > timedelta(days=6):
            return _("Специалист ще Ви отговори тук до един работен ден.")
        return _("Специалист ще Ви отговори тук {day}.").format(day=weekday_phrase(expected.day))
    return _("Специалист ще Ви отговори тук до един работен ден.")


def limit_text(context: BotContext, exc: Exception) -> str:
    phone = context.services.content.contacts.main_phone.display
    if isinstance(exc, TooManyOpen):
        return _(
            "Имате {n} въпроса, които чакат отговор. Специалистите ще Ви отговорят тук. "
            "Ако е спешно, обадете се на {phone}."
        ).format(n=repo.MAX_OPEN, phone=phone)
    return _(
        "Изпратихте много съобщения за кратко време. Моля, изчакайте малко или се обадете "
        "на {phone}."
    ).format(phone=phone)


# --- helpers ----------------------------------------------------------------------------------


def has_crisis_words(context: BotContext, text: str) -> bool:
    """Whether the crisis flow read a crisis in the text (the card is then marked 🆘)."""
    return bool(text) and context.services.understanding.read(text).is_crisis


def _ids(update: Update) -> tuple[int, int, str | None]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return user.id, chat.id, user.first_name


def _asking(context: BotContext) -> dict[str, int | float | None]:
    """The step's data, its time renewed (see `bot.flows.common.asking`)."""
    assert context.user_data is not None
    step = context.user_data.setdefault(ASKING_KEY, {"q": None})
    step["at"] = context.services.now().timestamp()
    return step  # type: ignore[no-any-return]


def clear(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(ASKING_KEY, None)


def _written(message: Message) -> tuple[str, str | None, str | None]:
    """(text, file id, file kind) of a text, a photo or a document."""
    text = repo.clean_text(message.text or message.caption)
    if message.photo:
        return text, message.photo[-1].file_id, "photo"
    if message.document:
        return text, message.document.file_id, "document"
    return text, None, None


def _too_long(text: str) -> str | None:
    if len(text) <= repo.MAX_TEXT:
        return None
    return _(
        "Текстът е {n} знака, а тук се събират до {max}. Съкратете го или го изпратете на "
        "две части."
    ).format(n=len(text), max=repo.MAX_TEXT)


def _done_rows() -> list[list[tuple[str, str]]]:
    return [[(_("✔️ Готово"), "ask:done")]]


# --- steps ------------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> int:
    """Say what happens, then ask for consent (once) or for the question."""
    services = context.services
    clear(context)
    uid, _chat, _name = _ids(update)
    if repo.open_count(services.db, uid) >= repo.MAX_OPEN:
        await show(update, limit_text(context, TooManyOpen()))
        return ConversationHandler.END
    stored = parents.find(services.db, uid)
    if stored is None or stored.consent_at is None:
        text = (
            note_text(context)
            + "\n\n"
            + _(
                "За да Ви отговорим, ще пазим въпроса и отговора. Изтриваме ги до {days} дни "
                "или когато поискате (/forget). Повече: /privacy\n\n"
                "Съгласни ли сте да ги запазим?"
            ).format(days=services.settings.retention_days)
        )
        rows = [
            [(_("✅ Давам съгласие"), "ask:consent:yes")],
            [(_("Не давам съгласие"), "ask:consent:no")],
        ]
        await show(update, text, inline(rows))
        return CONSENT
    _asking(context)
    await show(update, note_text(context) + "\n\n" + prompt_text(), inline(_cancel_rows()))
    return TYPING


def _cancel_rows() -> list[list[tuple[str, str]]]:
    return [[(_("✖️ Откажете"), "ask:cancel")]]


async def consent(update: Update, context: BotContext) -> int:
    """Remember the consent (shared with bookings), or end kindly with the phone."""
    services = context.services
    query = update.callback_query
    assert query is not None
    if not (query.data or "").endswith(":yes"):
        clear(context)
        await show(
            update,
            _(
                "Разбираме. Без съгласие не можем да пазим въпроса. Обадете се на {phone} — "
                "специалист ще Ви отговори по телефона."
            ).format(phone=services.content.contacts.main_phone.display),
        )
        return ConversationHandler.END
    uid, chat_id, _name = _ids(update)
    await durable_write(
        services.db,
        parents.record_consent,
        services.db,
        telegram_user_id=uid,
        chat_id=chat_id,
        now=services.now(),
        language=current_language(),
    )
    _asking(context)
    await show(update, prompt_text(), inline(_cancel_rows()))
    return TYPING


async def write_question(update: Update, context: BotContext) -> int:
    """Send the question to staff and say when to expect the answer."""
    if asking(context) is None:  # left open past the timeout (e.g. over a restart)
        return await hand_over(update, context)
    services = context.services
    message = require_message(update)
    text, file_id, file_kind = _written(message)
    if not text and not file_id:
        await message.reply_text(prompt_text())
        return TYPING
    too_long = _too_long(text)
    if too_long:
        await message.reply_text(too_long)
        return TYPING
    uid, chat_id, first_name = _ids(update)
    try:
        view = await durable_write(
            services.db,
            repo.ask,
            services.db,
            telegram_user_id=uid,
            chat_id=chat_id,
            first_name=first_name,
            language=current_language(),
            text=text,
            file_id=file_id,
            file_kind=file_kind,
            crisis=has_crisis_words(context, text),
            now=services.now(),
            announce=question_notices.announcer(services),
        )
    except NoConsent:  # erased meanwhile (/forget in another device)
        return await start(update, context)
    except (TooManyOpen, TooManyMessages) as exc:
        clear(context)
        await message.reply_text(limit_text(context, exc), reply_markup=main_menu())
        return ConversationHandler.END
    log.info("question %s asked (crisis=%s, file=%s)", view.id, view.crisis, bool(file_id))
    _asking(context)["q"] = view.id
    text = (
        _("✅ Въпросът е изпратен.")
        + " "
        + expectation_text(context)
        + "\n\n"
        + _(
            "Ако искате да добавите нещо, напишете го сега. Когато приключите, натиснете „Готово“."
        )
    )
    await message.reply_text(text, reply_markup=inline(_done_rows()))
    return ADDING


async def add_start(update: Update, context: BotContext) -> int:
    """ "↩️ Отговорете" under an answer: the next message goes on that question."""
    query = update.callback_query
    assert query is not None
    question_id = int((query.data or "0").rsplit(":", 1)[-1])
    _asking(context)["q"] = question_id
    await show(update, _("Напишете отговора си; ще го предам на специалиста."))
    return ADDING


async def _add(update: Update, context: BotContext, question_id: int) -> bool:
    """Put the parent's message on the question's thread; False when it could not go."""
    services = context.services
    message = require_message(update)
    text, file_id, file_kind = _written(message)
    if not text and not file_id:
        await message.reply_text(_("Мога да предам текст, снимка или документ."))
        return True
    too_long = _too_long(text)
    if too_long:
        await message.reply_text(too_long)
        return True
    uid, _chat, _name = _ids(update)
    try:
        view, was_answered = await durable_write(
            services.db,
            repo.add,
            services.db,
            telegram_user_id=uid,
            question_id=question_id,
            text=text,
            file_id=file_id,
            file_kind=file_kind,
            crisis=has_crisis_words(context, text),
            now=services.now(),
            announce=question_notices.announcer(services),
        )
    except (QuestionClosed, NotFound):
        await message.reply_text(
            _("Този въпрос вече е затворен. Можете да зададете нов."),
            reply_markup=inline([[(_("💬 Нов въпрос"), "ask:start")]]),
        )
        return False
    except TooManyMessages as exc:
        await message.reply_text(limit_text(context, exc), reply_markup=main_menu())
        return False
    log.info("question %s: parent added a message (reply=%s)", view.id, was_answered)
    await message.reply_text(
        _("✅ Предадох го на специалиста."), reply_markup=inline(_done_rows())
    )
    return True


async def write_more(update: Update, context: BotContext) -> int:
    """Add what the parent wrote to the question, until "Готово"."""
    step = asking(context)
    if step is None:  # left open past the timeout (e.g. over a restart)
        return await hand_over(update, context)
    question_id = _asking(context).get("q")
    if question_id is None:
        return await write_question(update, context)
    if await _add(update, context, int(question_id)):
        return ADDING
    clear(context)
    return ConversationHandler.END


async def expect_words(update: Update, context: BotContext) -> int | None:
    """Stickers, voice…: say what can be passed on."""
    await require_message(update).reply_text(
        _("Мога да предам текст, снимка или документ. Напишете въпроса с думи.")
    )
    return None


async def done(update: Update, context: BotContext) -> int:
    """Stop adding: the answer will come here."""
    clear(context)
    await show(update, _("Добре. Ще Ви пишем тук, когато специалист отговори."))
    await _menu_again(update, context)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    """Leave without sending anything more."""
    clear(context)
    if update.callback_query is not None:
        await show(update, _("Добре, нищо не е изпратено."))
    await _menu_again(update, context)
    return ConversationHandler.END


async def _menu_again(update: Update, context: BotContext) -> None:
    """The main menu under the last word, so the parent sees what else they can do."""
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(
            chat.id, _("Изберете от менюто какво Ви интересува."), reply_markup=main_menu()
        )


async def hand_over(update: Update, context: BotContext) -> int:
    """A main-menu button, /start or /menu ends the question; the main group answers it.

    Not `answered` (bot/routing.py): the update goes on to the later groups.
    """
    clear(context)
    return HANDED_OVER


def _step(
    callback: Callable[[Update, BotContext], Awaitable[int | None]],
) -> Callable[[Update, BotContext], Coroutine[Any, Any, int]]:
    """A step that answered stops the update there (as `bot.routing.answered`); one that
    handed over ends the conversation and lets the main group answer."""

    @functools.wraps(callback)
    async def step(update: Update, context: BotContext) -> int:
        note_step()  # the state is written right after the step, as for every conversation
        state = await callback(update, context)
        if state == HANDED_OVER:
            return ConversationHandler.END
        raise ApplicationHandlerStop(state)

    return step


async def timed_out(update: Update, context: BotContext) -> None:
    """An idle question step is forgotten quietly (what was sent is with staff)."""
    clear(context)


# --- replies outside the conversation -----------------------------------------------------------


class _QuestionReply(filters.MessageFilter):
    """A Telegram reply to one of a question's messages (a card, a prompt, an answer).

    Other replies fall through to the handlers after it (the fallback answers them).
    """

    def __init__(self, db: Database) -> None:
        super().__init__(name="question_reply")
        self._db = db

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None:
            return False
        return repo.card_of_message(self._db, message.chat.id, replied.message_id) is not None


async def reply(update: Update, context: BotContext) -> None:
    """A reply to a question's message: staff answering (or closing), or the parent adding."""
    found = question_of_reply(context.services.db, update)
    if found is None:  # erased meanwhile
        return
    question_id, kind = found
    if kind in staff_questions.STAFF_KINDS:
        await staff_questions.staff_reply(update, context, question_id, kind)
        return
    chat = update.effective_chat
    if chat is not None and chat.type == chat.PRIVATE:
        await _add(update, context, question_id)


def handlers(timeout_minutes: int) -> list[BaseHandler]:  # type: ignore[type-arg]
    """The question conversation (staff's /questions and buttons: admin.telegram.handlers)."""

    # Every step answers the update itself (no later group answers it too), except the
    # hand-over to the menu, which ends the question and lets the main group answer.
    def cb(callback: Any, pattern: str) -> CallbackQueryHandler:  # type: ignore[type-arg]
        return CallbackQueryHandler(_step(callback), pattern=pattern)

    def on(message_filter: filters.BaseFilter, callback: Any) -> MessageHandler:  # type: ignore[type-arg]
        return MessageHandler(message_filter, _step(callback))

    with warnings.catch_warnings():
        # per_message=False is intended: the typed steps are tracked per chat and user.
        warnings.simplefilter("ignore")
        conversation = ConversationHandler(
            entry_points=[
                CommandHandler("ask", _step(start), filters=private),
                on(PRIVATE_MESSAGE & menu_filter("ask"), start),
                cb(start, r"^ask:start$"),
                cb(add_start, r"^ask:add:\d+$"),
            ],
            states={
                CONSENT: [
                    cb(consent, r"^ask:consent:(yes|no)$"),
                    on(_ANYTHING_ELSE, expect_words),
                ],
                TYPING: [
                    on(_WRITTEN, write_question),
                    on(_ANYTHING_ELSE, expect_words),
                ],
                ADDING: [
                    cb(done, r"^ask:done$"),
                    on(_WRITTEN, write_more),
                    on(_ANYTHING_ELSE, expect_words),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", _step(cancel)),
                cb(cancel, r"^ask:(cancel|done)$"),
                on(private & ANY_MENU_BUTTON, hand_over),
                CommandHandler(["start", "menu"], _step(hand_over), filters=private),
            ],
            name=NAME,
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=timeout_minutes),
        )
    return [conversation]


def reply_handlers(db: Database) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Telegram replies to a question's messages (before the fallback, after the views)."""
    replies = filters.UpdateType.MESSAGE & filters.REPLY & ~filters.COMMAND & ~ANY_MENU_BUTTON
    return [MessageHandler(replies & _QuestionReply(db), reply)]
