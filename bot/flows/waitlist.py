"""The waiting list for parents: join (days, part of day, consent, name, phone), answer an
offer (Запазете този час · Не ми е удобно), leave (Излезте от списъка). Diagram: .mmd beside.

Joining starts from the booking flow ("Няма удобен час", or no free place in the horizon) with
`wl:join:<topic>`: the booking conversation ends itself on it without answering, and the
main group's `wl:join:` handler answers. The button steps carry on by `wl:` buttons, all entry
points of this conversation (no state needed); only the typed name and phone are states.
What was chosen lives in `user_data["waitlist"]` (JSON), the offers' answers in the buttons.
"""

from __future__ import annotations

import logging
import re
import warnings
from datetime import timedelta
from typing import Any

from babel.dates import get_day_names
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

from admin import waitlist
from bot.background import durable_write
from bot.context import BotContext
from bot.flows.common import (
    ANYTHING_ELSE,
    TEXT_IN,
    answered_callback,
    answered_message,
    consent_prompt,
    share_phone_keyboard,
)
from bot.flows.fallback import stale_button
from bot.i18n import _, babel_locale, current_language, format_when
from bot.routing import answered, handed_over
from bot.ui import ANY_MENU_BUTTON, inline, main_menu, menu_button, require_message, show
from storage import parents
from storage.errors import (
    LimitReached,
    NoConsent,
    NotAllowed,
    OfferGone,
    SlotTaken,
    SlotUnavailable,
)
from storage.models import PartOfDay
from storage.rules import rules_of

log = logging.getLogger(__name__)

NAME = "waitlist"
ASK_NAME, ASK_PHONE = range(2)
KEY = "waitlist"
WORKDAYS = (0, 1, 2, 3, 4)  # when the centre has set no hours at all


def open_weekdays(context: BotContext) -> tuple[int, ...]:
    """The weekdays the centre is open on (the only ones worth waiting for)."""
    return tuple(sorted(rules_of(context.services.db).hours)) or WORKDAYS


OFFER = re.compile(r"^wl:(take|no):(\d{1,18})$")
Rows = list[list[tuple[str, str]]]


def _data(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(KEY, {})  # type: ignore[no-any-return]


def _clear(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)


def _user(update: Update) -> int:
    if update.effective_user is None:
        raise LookupError("update has no user")
    return update.effective_user.id


def _chat(update: Update) -> int:
    if update.effective_chat is None:
        raise LookupError("update has no chat")
    return update.effective_chat.id


def _arg(update: Update) -> str:
    query = update.callback_query
    return (query.data or "").rsplit(":", 1)[-1] if query else ""


def _abort_row() -> list[tuple[str, str]]:
    return [(_("✖️ Отменям"), "wl:abort")]  # the booking's words: the parent's own voice


async def begin(update: Update, context: BotContext, topic: str) -> int:
    """Explain the list and ask which weekdays suit (the booking flow hands over here)."""
    _clear(context)
    d = _data(context)
    d["topic"] = topic
    d["days"] = []
    return await ask_days(update, context)


async def ask_days(update: Update, context: BotContext, *, prefix: str = "") -> int:
    days: list[int] = _data(context).get("days", [])
    names = get_day_names("wide", locale=babel_locale())
    rows: Rows = [
        [(("✅ " if d in days else "") + names[d].capitalize(), f"wl:day:{d}")]
        for d in open_weekdays(context)
    ]
    rows.append([(_("Готово"), "wl:days:ok")])
    rows.append(_abort_row())
    text = prefix + _(
        "Можем да Ви запишем в списъка на чакащите: когато се освободи подходящ час, ще Ви "
        "пишем тук и ще го пазим за Вас 30 минути.\n\nКои дни от седмицата са удобни? "
        "Изберете един или няколко и натиснете „Готово“."
    )
    await show(update, text, inline(rows))
    return ConversationHandler.END


async def join_from_booking(update: Update, context: BotContext) -> int:
    """Start joining (button `wl:join:<topic>`)."""
    topic = _arg(update)
    if context.services.content.topic(topic) is None:
        await stale_button(update, context)
        return ConversationHandler.END
    return await begin(update, context, topic)


async def toggle_day(update: Update, context: BotContext) -> int:
    """Tick or untick a weekday."""
    d = _data(context)
    if "topic" not in d:
        return await _lost(update, context)
    try:
        day = int(_arg(update))
    except ValueError:
        day = -1
    if day in open_weekdays(context):
        days = set(d.get("days", []))
        days ^= {day}
        d["days"] = sorted(days)
    return await ask_days(update, context)


async def days_done(update: Update, context: BotContext) -> int:
    """Go on to the part of the day once at least one day is ticked."""
    d = _data(context)
    if "topic" not in d:
        return await _lost(update, context)
    if not d.get("days"):
        return await ask_days(update, context, prefix=_("Изберете поне един ден.") + "\n\n")
    rows: Rows = [[(label, f"wl:part:{key}")] for key, label in waitlist.part_labels().items()]
    rows.append(_abort_row())
    await show(update, _("Кога през деня Ви е удобно?"), inline(rows))
    return ConversationHandler.END


async def choose_part(update: Update, context: BotContext) -> int:
    """Keep the part of the day; then consent, name and phone as for a booking, or join."""
    d = _data(context)
    if "topic" not in d or not d.get("days"):
        return await _lost(update, context)
    part = _arg(update)
    if part not in waitlist.part_labels():
        return await _lost(update, context)
    d["part"] = part
    services = context.services
    known = parents.find(services.db, _user(update))
    if known is None or known.consent_at is None:
        return await ask_consent(update, context)
    if not known.name or not known.phone:
        return await ask_name(update, context)
    return await finish(update, context)


async def ask_consent(update: Update, context: BotContext) -> int:
    # The booking's own words: the same consent for the same name and phone.
    text, rows = consent_prompt(context, "wl")
    rows.append(_abort_row())
    await show(update, text, inline(rows))
    return ConversationHandler.END


async def consent(update: Update, context: BotContext) -> int:
    """Remember the consent and ask for the name, or end kindly with the centre's phone."""
    services = context.services
    if not _data(context).get("part"):
        return await _lost(update, context)
    if _arg(update) != "yes":
        _clear(context)
        text = _(
            "Разбираме. Без име и телефон не можем да Ви запишем в списъка. "
            "Обадете се на {phone} — ще потърсим час заедно."
        ).format(phone=services.content.contacts.main_phone.display)
        await show(update, text, inline([[menu_button()]]))
        return ConversationHandler.END
    await durable_write(
        services.db,
        parents.record_consent,
        services.db,
        telegram_user_id=_user(update),
        chat_id=_chat(update),
        now=services.now(),
        language=current_language(),
    )
    known = parents.find(services.db, _user(update))
    if known is not None and known.name and known.phone:
        return await finish(update, context)
    return await ask_name(update, context)


async def ask_name(update: Update, context: BotContext, *, prefix: str = "") -> int:
    await show(
        update, prefix + _("Как да се обръщаме към Вас? Напишете име."), inline([_abort_row()])
    )
    return ASK_NAME


async def write_name(update: Update, context: BotContext) -> int:
    """Keep the name, or ask again kindly."""
    if not _data(context).get("part"):
        return await _lost(update, context)
    name = parents.clean_name(require_message(update).text)
    if name is None:
        prefix = _("Не успях да разбера името. Напишете го с букви, например: Мария.") + "\n"
        return await ask_name(update, context, prefix=prefix)
    _data(context)["name"] = name
    return await ask_phone(update, context)


async def ask_phone(update: Update, context: BotContext, *, prefix: str = "") -> int:
    text = prefix + _(
        "На кой телефон да Ви се обадим при нужда? Напишете го, например 0888 123 456."
    )
    await show(update, text, inline([_abort_row()]))
    share = share_phone_keyboard()
    await context.bot.send_message(
        _chat(update), _("Или натиснете бутона долу, за да го изпратите."), reply_markup=share
    )
    return ASK_PHONE


async def write_phone(update: Update, context: BotContext) -> int:
    """Keep a valid phone (typed or shared) and join, or explain the format."""
    d = _data(context)
    if not d.get("part") or not d.get("name"):
        return await _lost(update, context)
    message = require_message(update)
    phone = parents.parse_phone(message.contact.phone_number if message.contact else message.text)
    if phone is None:
        prefix = (
            _(
                "Този номер не изглежда правилен. "
                "Напишете го така: 0888 123 456 или +359 888 123 456."
            )
            + "\n"
        )
        return await ask_phone(update, context, prefix=prefix)
    d["phone"] = phone
    await message.reply_text(_("Благодарим Ви."), reply_markup=main_menu())
    return await finish(update, context)


async def finish(update: Update, context: BotContext) -> int:
    """Put the parent on the list and say what happens next."""
    d = _data(context)
    services = context.services
    try:
        entry = await durable_write(
            services.db,
            waitlist.join,
            services,
            telegram_user_id=_user(update),
            chat_id=_chat(update),
            topic=d["topic"],
            weekdays=list(d["days"]),
            part_of_day=PartOfDay(d["part"]),
            name=d.get("name"),
            phone=d.get("phone"),
            language_code=current_language(),
        )
    except (NoConsent, KeyError, ValueError):
        return await _lost(update, context)
    _clear(context)
    text = _(
        "✅ Записахме Ви в списъка на чакащите: {wish}.\n"
        "Когато се освободи такъв час, ще Ви пишем тук. Ако не се освободи до {days_ahead} "
        "дни, ще Ви кажем."
    ).format(
        wish=waitlist.wish_text(entry.weekdays, entry.part_of_day),
        days_ahead=rules_of(services.db).horizon_days,
    )
    await show(update, text, inline([[(_("Излезте от списъка"), "wl:leave")], [menu_button()]]))
    return ConversationHandler.END


async def _lost(update: Update, context: BotContext) -> int:
    _clear(context)
    await show(
        update,
        _("Не успях да продължа. Моля, започнете отново."),
        inline([[(_("📅 Запазете час"), "book:start")]]),
    )
    return ConversationHandler.END


async def abort(update: Update, context: BotContext) -> int:
    """Stop joining; nothing is saved."""
    _clear(context)
    await show(update, _("Добре, спряхме. Нищо не е запазено."), inline([[menu_button()]]))
    return ConversationHandler.END


async def hand_over(update: Update, context: BotContext) -> int:
    """A main-menu button, /start or /menu ends joining; the main group then answers it.

    Not `answered` (bot/routing.py): the update goes on to the later groups.
    """
    _clear(context)
    return ConversationHandler.END


async def timed_out(update: Update, context: BotContext) -> None:
    """Forget a half-finished join quietly (nothing was saved)."""
    _clear(context)


async def expect_text(update: Update, context: BotContext) -> int | None:
    """Something other than the name or phone: say what is expected."""
    await require_message(update).reply_text(_("Моля, напишете отговора с думи или цифри."))
    return None


# --- offers and leaving (outside the conversation) ------------------------------------------


async def answer_offer(update: Update, context: BotContext) -> None:
    """Handle Запазете този час / Не ми е удобно on an offer."""
    query = update.callback_query
    match = OFFER.match(query.data or "") if query else None
    if match is None:
        await stale_button(update, context)
        return
    action, hold_id = match.group(1), int(match.group(2))
    services = context.services
    try:
        if action == "take":
            appointment = await durable_write(
                services.db,
                waitlist.take,
                services,
                telegram_user_id=_user(update),
                chat_id=_chat(update),
                hold_id=hold_id,
                language_code=current_language(),
            )
        else:
            await durable_write(
                services.db,
                waitlist.decline,
                services,
                telegram_user_id=_user(update),
                hold_id=hold_id,
            )
    except (OfferGone, SlotTaken, SlotUnavailable):
        await show(
            update,
            _(
                "Този час вече не е свободен: времето за отговор изтече или го отказахте. "
                "Ако се освободи друг подходящ час, ще Ви пишем."
            ),
            inline([[(_("📅 Запазете час"), "book:start")], [menu_button()]]),
        )
        return
    except LimitReached as exc:
        await durable_write(
            services.db, waitlist.decline, services, telegram_user_id=_user(update),
            hold_id=hold_id,
        )  # fmt: skip
        await show(
            update,
            _(
                "Вече имате {limit} запазени часа — толкова може да има един родител. "
                "Можете да преместите или откажете някой от тях."
            ).format(limit=exc.limit),
            inline([[(_("🗓 Моите часове"), "my:list")]]),
        )
        return
    except NotAllowed:
        await stale_button(update, context)
        return
    if action == "no":
        await show(
            update,
            _("Добре, предлагаме го на следващия. Оставате в списъка на чакащите."),
            inline([[(_("Излезте от списъка"), "wl:leave")], [menu_button()]]),
        )
        return
    assert appointment.id is not None
    log.info("waiting-list offer %s taken: booking %s (pending)", hold_id, appointment.id)
    text = _(
        "✅ Заявката Ви е изпратена: {when}\n"
        "Центърът ще я потвърди и ще Ви пишем тук. "
        "Часовете си виждате в „🗓 Моите часове“."
    ).format(when=format_when(appointment.start, services.settings.tz, services.now()))
    await show(update, text, inline([[menu_button()]]))  # the staff card went with the commit


async def leave(update: Update, context: BotContext) -> None:
    """Take the parent off the list ("Излезте от списъка")."""
    services = context.services
    left = await durable_write(
        services.db, waitlist.leave, services, telegram_user_id=_user(update)
    )
    text = (
        _("Извадихме Ви от списъка на чакащите.") if left else _("Не сте в списъка на чакащите.")
    )
    await show(update, text, inline([[(_("📅 Запазете час"), "book:start")], [menu_button()]]))


def handlers(timeout_minutes: int = 30) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Joining as a conversation (typed name and phone), then offers and leaving."""
    private = filters.ChatType.PRIVATE

    # Every step answers the update itself (`answered`); the hand-over to the menu does not.
    with warnings.catch_warnings():
        # per_message=False is intended: the typed steps need per-chat tracking.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = ConversationHandler(
            entry_points=[
                answered_callback(join_from_booking, r"^wl:join:"),
                answered_callback(toggle_day, r"^wl:day:"),
                answered_callback(days_done, r"^wl:days:ok$"),
                answered_callback(choose_part, r"^wl:part:"),
                answered_callback(consent, r"^wl:consent:"),
                answered_callback(abort, r"^wl:abort$"),
            ],
            states={
                ASK_NAME: [
                    answered_message(TEXT_IN, write_name),
                    answered_message(ANYTHING_ELSE, expect_text),
                ],
                ASK_PHONE: [
                    answered_message(private & filters.CONTACT, write_phone),
                    answered_message(TEXT_IN, write_phone),
                    answered_message(ANYTHING_ELSE, expect_text),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", answered(abort)),
                MessageHandler(private & ANY_MENU_BUTTON, handed_over(hand_over)),
                CommandHandler(["start", "menu"], handed_over(hand_over), filters=private),
            ],
            name=NAME,
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=timeout_minutes),
        )
    # Outside the conversation (the main group). `wl:join:` again: the booking conversation,
    # in the conversations' group before this one, ends itself on it and lets it through.
    return [
        conversation,
        CallbackQueryHandler(join_from_booking, pattern=r"^wl:join:"),
        CallbackQueryHandler(answer_offer, pattern=r"^wl:(take|no):"),
        CallbackQueryHandler(leave, pattern=r"^wl:leave$"),
    ]
