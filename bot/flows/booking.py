"""Book a walk-in consultation: topic → note → day → time → consent → name → phone → summary.

Consent comes before name and phone: the half-finished conversation is itself stored
(bot/persistence.py), so nothing personal is typed in before the parent agreed. The state
diagram is in `booking.mmd`. Everything kept between steps is JSON (ISO strings, ints)
under `user_data["booking"]`, so a restart continues where the parent was.
"""

from __future__ import annotations

import logging
import warnings
from datetime import UTC, date, datetime, timedelta
from typing import Any

from telegram import (
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
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

from admin.telegram import notify
from bot.background import durable_write
from bot.context import BotContext
from bot.i18n import (
    _,
    comma,
    current_language,
    format_clock,
    format_day_short,
    format_when,
    relative_day,
)
from bot.routing import RoutedConversation
from bot.ui import ANY_MENU_BUTTON, inline, main_menu, menu_filter, require_message, show
from storage import booking, parents, slots
from storage.errors import LimitReached, NoConsent, SlotTaken, SlotUnavailable

log = logging.getLogger(__name__)

NAME = "booking"
TOPIC, NOTE, DAY, TIME, CONSENT, ASK_NAME, ASK_PHONE, SUMMARY, CHANGE = range(9)
STEP_NAMES = ("topic", "note", "day", "time", "consent", "name", "phone", "summary", "change")
DAYS_PER_PAGE = 7
NOTE_MAX = 300
Rows = list[list[tuple[str, str]]]


# --- shared pieces (also used by bot/flows/my_bookings.py) -----------------------------------


def data(context: BotContext) -> dict[str, Any]:
    """This conversation's JSON-able scratch space in user_data."""
    assert context.user_data is not None
    return context.user_data.setdefault("booking", {})  # type: ignore[no-any-return]


def clear(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop("booking", None)


def user_id(update: Update) -> int:
    if update.effective_user is None:
        raise LookupError("update has no user")
    return update.effective_user.id


def chat_id(update: Update) -> int:
    if update.effective_chat is None:
        raise LookupError("update has no chat")
    return update.effective_chat.id


def day_label(day: date, today: date) -> str:
    """ "утре, вторник, 24 ноември" """
    text = format_day_short(day)
    rel = relative_day(day, today)
    return f"{rel}{comma()}{text}" if rel else text


def free_days(context: BotContext) -> list[date]:
    services = context.services
    with services.db.read() as session:
        return slots.days_with_free_places(session, services.settings.tz, services.now())


def free_times(context: BotContext, day: date) -> list[slots.Slot]:
    services = context.services
    with services.db.read() as session:
        return slots.free_slots(session, services.settings.tz, day, services.now())


def nearest(context: BotContext, around: datetime) -> list[slots.Slot]:
    services = context.services
    with services.db.read() as session:
        return slots.nearest_free(session, services.settings.tz, services.now(), around)


def day_rows(days: list[date], today: date, page: int, day_data: str, page_data: str) -> Rows:
    """One week of days per page; `day_data`/`page_data` are format strings for the buttons."""
    weeks: dict[int, list[date]] = {}
    for day in days:
        weeks.setdefault((day - today).days // DAYS_PER_PAGE, []).append(day)
    pages = [weeks[k] for k in sorted(weeks)]
    page = max(0, min(page, len(pages) - 1))
    rows: Rows = (
        [[(day_label(d, today), day_data.format(d.isoformat()))] for d in pages[page]]
        if pages
        else []
    )
    nav: list[tuple[str, str]] = []
    if page > 0:
        nav.append((_("◀️ По-рано"), page_data.format(page - 1)))
    if page < len(pages) - 1:
        nav.append((_("По-късно ▶️"), page_data.format(page + 1)))
    if nav:
        rows.append(nav)
    return rows


def time_rows(found: list[slots.Slot], context: BotContext, data_format: str) -> Rows:
    """Free times of one day, three to a row."""
    tz = context.services.settings.tz
    buttons = [
        (format_clock(s.start.astimezone(tz)), data_format.format(int(s.start.timestamp())))
        for s in found
    ]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


def nearest_rows(found: list[slots.Slot], context: BotContext, data_format: str) -> Rows:
    """Free times on different days, one to a row, with the day in the label."""
    services = context.services
    return [
        [
            (
                format_when(s.start, services.settings.tz, services.now()),
                data_format.format(int(s.start.timestamp())),
            )
        ]
        for s in found
    ]


def parse_epoch(raw: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def parse_day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def topic_title(context: BotContext, key: str) -> str:
    topic = context.services.content.topic(key)
    return _(topic.title) if topic else key


def no_free_places_text(context: BotContext) -> str:
    return _(
        "В момента няма свободни часове. Обадете се на {phone} и ще намерим време заедно."
    ).format(phone=context.services.content.contacts.main_phone.display)


def limit_text() -> str:
    return _(
        "Вече имате {limit} запазени часа — толкова може да има един родител. "
        "Можете да преместите или откажете някой от тях."
    ).format(limit=booking.MAX_FUTURE_BOOKINGS)


def my_bookings_row() -> list[tuple[str, str]]:
    return [(_("🗓 Моите часове"), "my:list")]


def _cancel_row(back: bool = True) -> list[tuple[str, str]]:
    row = [(_("⬅️ Назад"), "book:back")] if back else []
    row.append((_("✖️ Откажи"), "book:abort"))
    return row


# --- steps: each renders its question, remembers where we are and returns its state ----------


def _step(context: BotContext, state: int) -> int:
    data(context)["step"] = state
    return state


async def ask_topic(update: Update, context: BotContext) -> int:
    topics = context.services.content.booking.topics
    rows: Rows = [[(_(t.title), f"book:topic:{t.key}")] for t in topics]
    rows.append(_cancel_row(back=False))
    await show(update, _("За какво искате консултация? Изберете тема."), inline(rows))
    return _step(context, TOPIC)


async def ask_note(update: Update, context: BotContext) -> int:
    text = _(
        "Ако желаете, опишете с едно изречение с какво можем да помогнем.\n"
        "⚠️ Не пишете здравословни или други лични подробности — ще ги споделите "
        "със специалиста на място."
    )
    rows: Rows = [[(_("Пропусни"), "book:skip")], _cancel_row()]
    await show(update, text, inline(rows))
    return _step(context, NOTE)


async def ask_day(update: Update, context: BotContext, *, prefix: str = "") -> int:
    days = free_days(context)
    if not days:
        clear(context)
        await show(update, no_free_places_text(context))
        await _menu_again(update, context)
        return ConversationHandler.END
    today = context.services.local_now().date()
    page = int(data(context).get("page", 0))
    rows = day_rows(days, today, page, "book:day:{}", "book:page:{}")
    rows.append(_cancel_row())
    await show(update, prefix + _("Изберете ден:"), inline(rows))
    return _step(context, DAY)


async def ask_time(update: Update, context: BotContext, day: date, *, prefix: str = "") -> int:
    found = free_times(context, day)
    if not found:
        # The day filled up (or closed) while the parent was choosing.
        text = _("За съжаление, за {day} вече няма свободни часове.").format(
            day=format_day_short(day)
        )
        data(context).pop("day", None)
        return await ask_day(update, context, prefix=text + "\n")
    data(context)["day"] = day.isoformat()
    rows = time_rows(found, context, "book:time:{}")
    rows.append(_cancel_row())
    text = prefix + _("{day}. Изберете час:").format(
        day=day_label(day, context.services.local_now().date()).capitalize()
    )
    await show(update, text, inline(rows))
    return _step(context, TIME)


async def ask_consent(update: Update, context: BotContext) -> int:
    text = _(
        "За да запазим часа, ще Ви помолим за име и телефон. Ползваме ги за Вашите часове "
        "и напомнянията за тях и ги изтриваме до {days} дни след часа или когато поискате "
        "(/forget). Повече: /privacy\n\n"
        "Съгласни ли сте да ги запазим?"
    ).format(days=context.services.settings.retention_days)
    rows: Rows = [
        [(_("✅ Давам съгласие"), "book:consent:yes")],
        [(_("Не давам съгласие"), "book:consent:no")],
        _cancel_row(),
    ]
    await show(update, text, inline(rows))
    return _step(context, CONSENT)


async def ask_name(update: Update, context: BotContext, *, prefix: str = "") -> int:
    text = prefix + _("Как да се обръщаме към Вас? Напишете име.")
    await show(update, text, inline([_cancel_row()]))
    return _step(context, ASK_NAME)


async def ask_phone(update: Update, context: BotContext, *, prefix: str = "") -> int:
    text = prefix + _(
        "На кой телефон да Ви се обадим при нужда? Напишете го, например 0888 123 456."
    )
    await show(update, text, inline([_cancel_row()]))
    share = ReplyKeyboardMarkup(
        [[KeyboardButton(_("📱 Изпратете номера си"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await context.bot.send_message(
        chat_id(update), _("Или натиснете бутона долу, за да го изпратите."), reply_markup=share
    )
    return _step(context, ASK_PHONE)


def summary_text(context: BotContext) -> str:
    d = data(context)
    services = context.services
    start = datetime.fromisoformat(d["start"])
    lines = [
        _("Моля, проверете:"),
        _("Тема: {topic}").format(topic=topic_title(context, d["topic"])),
        _("Кога: {when}").format(when=format_when(start, services.settings.tz, services.now())),
        _("Име: {name}").format(name=d["name"]),
        _("Телефон: {phone}").format(phone=parents.display_phone(d["phone"])),
    ]
    if d.get("note"):
        lines.append(_("Бележка: {note}").format(note=d["note"]))
    return "\n".join(lines)


async def ask_summary(update: Update, context: BotContext) -> int:
    rows: Rows = [
        [(_("✅ Потвърди"), "book:confirm")],
        [(_("✏️ Промени"), "book:change"), (_("✖️ Откажи"), "book:abort")],
    ]
    await show(update, summary_text(context), inline(rows))
    return _step(context, SUMMARY)


async def ask_change(update: Update, context: BotContext) -> int:
    rows: Rows = [
        [(_("Тема"), "book:chg:topic"), (_("Ден и час"), "book:chg:when")],
        [(_("Име"), "book:chg:name"), (_("Телефон"), "book:chg:phone")],
        [(_("⬅️ Назад"), "book:back")],
    ]
    await show(update, _("Какво да променим?"), inline(rows))
    return _step(context, CHANGE)


async def next_step(update: Update, context: BotContext) -> int:
    """Ask for the first thing still missing; the summary when nothing is."""
    d = data(context)
    if not d.get("topic"):
        return await ask_topic(update, context)
    if not d.get("start"):
        day = parse_day(d.get("day", ""))
        return await (ask_time(update, context, day) if day else ask_day(update, context))
    # Read once per conversation (the booking itself checks consent again): later steps
    # skip the lookup. /forget clears this scratch space with everything else.
    if not d.get("consented"):
        stored = parents.find(context.services.db, user_id(update))
        if stored is None or stored.consent_at is None:
            return await ask_consent(update, context)
        d["consented"] = True
        # A returning parent: offer what we already hold; "Промени" changes it.
        if not d.get("name") and stored.name and not d.get("asked_name"):
            d["name"] = stored.name
        if not d.get("phone") and stored.phone and not d.get("asked_phone"):
            d["phone"] = stored.phone
    if not d.get("name"):
        return await ask_name(update, context)
    if not d.get("phone"):
        return await ask_phone(update, context)
    return await ask_summary(update, context)


async def reshow(update: Update, context: BotContext) -> int:
    """Show the current step again (after free text, a sticker or an old button)."""
    d = data(context)
    step = d.get("step")
    if step == TOPIC:
        return await ask_topic(update, context)
    if step == NOTE:
        return await ask_note(update, context)
    if step == DAY:
        return await ask_day(update, context)
    if step == TIME and parse_day(d.get("day", "")):
        return await ask_time(update, context, date.fromisoformat(d["day"]))
    if step == CONSENT:
        return await ask_consent(update, context)
    if step == ASK_NAME:
        return await ask_name(update, context)
    if step == ASK_PHONE:
        return await ask_phone(update, context)
    if step == CHANGE:
        return await ask_change(update, context)
    if step == SUMMARY and _complete(d):
        return await ask_summary(update, context)
    return await lost(update, context)


def _complete(d: dict[str, Any]) -> bool:
    return all(d.get(k) for k in ("topic", "start", "name", "phone"))


# --- handlers ------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> int:
    """Start booking: show the topics, or explain the two-booking limit."""
    services = context.services
    clear(context)
    future = booking.future_for_parent(
        services.db, telegram_user_id=user_id(update), now=services.now()
    )
    if len(future) >= booking.MAX_FUTURE_BOOKINGS:
        await show(update, limit_text(), inline([my_bookings_row()]))
        return ConversationHandler.END
    return await ask_topic(update, context)


async def choose_topic(update: Update, context: BotContext) -> int:
    """Remember the topic and ask for the optional note."""
    key = _callback_arg(update)
    if context.services.content.topic(key) is None:
        return await ask_topic(update, context)
    d = data(context)
    d["topic"] = key
    d.pop("note", None)
    return await ask_note(update, context)


async def write_note(update: Update, context: BotContext) -> int:
    """Keep one line of context (shortened) and go on."""
    if not data(context).get("topic"):
        return await lost(update, context)
    text = require_message(update).text or ""
    first_line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    data(context)["note"] = first_line[:NOTE_MAX] or None
    data(context)["page"] = 0
    return await next_step(update, context)


async def skip_note(update: Update, context: BotContext) -> int:
    """Go on without a note."""
    if not data(context).get("topic"):
        return await lost(update, context)
    data(context)["note"] = None
    data(context)["page"] = 0
    return await next_step(update, context)


async def turn_page(update: Update, context: BotContext) -> int:
    """Show another week of days."""
    try:
        data(context)["page"] = max(0, int(_callback_arg(update)))
    except ValueError:
        data(context)["page"] = 0
    return await ask_day(update, context)


async def choose_day(update: Update, context: BotContext) -> int:
    """Show the free times of the chosen day (or say it filled up meanwhile)."""
    day = parse_day(_callback_arg(update))
    if day is None:
        return await ask_day(update, context)
    return await ask_time(update, context, day)


async def choose_time(update: Update, context: BotContext) -> int:
    """Hold on to the chosen time if it is still free, else offer the nearest ones."""
    start = parse_epoch(_callback_arg(update))
    if start is None:
        return await ask_day(update, context)
    local_day = start.astimezone(context.services.settings.tz).date()
    if all(s.start != start for s in free_times(context, local_day)):
        return await offer_nearest(update, context, start)
    d = data(context)
    d["start"] = start.isoformat()
    d["day"] = local_day.isoformat()
    return await next_step(update, context)


async def offer_nearest(update: Update, context: BotContext, wanted: datetime) -> int:
    """Say the time was taken and offer the closest free times."""
    data(context).pop("start", None)
    found = nearest(context, wanted)
    if not found:
        clear(context)
        await show(update, no_free_places_text(context))
        await _menu_again(update, context)
        return ConversationHandler.END
    rows = nearest_rows(found, context, "book:time:{}")
    rows.append([(_("📅 Друг ден"), "book:days")])
    rows.append(_cancel_row(back=False))
    text = _("Този час междувременно беше зает. Ето най-близките свободни часове:")
    await show(update, text, inline(rows))
    return _step(context, TIME)


async def all_days(update: Update, context: BotContext) -> int:
    """Back to the list of days."""
    data(context).pop("day", None)
    data(context).pop("start", None)
    return await ask_day(update, context)


async def consent(update: Update, context: BotContext) -> int:
    """Remember the consent (once per parent), or end kindly with the centre's phone."""
    services = context.services
    if not data(context).get("start"):
        return await lost(update, context)
    if _callback_arg(update) != "yes":
        clear(context)
        text = _(
            "Разбираме. Без име и телефон не можем да запазим час тук. "
            "Обадете се на {phone} — ще Ви запишем по телефона."
        ).format(phone=services.content.contacts.main_phone.display)
        await show(update, text)
        await _menu_again(update, context)
        return ConversationHandler.END
    await durable_write(
        services.db,
        parents.record_consent,
        services.db,
        telegram_user_id=user_id(update),
        chat_id=chat_id(update),
        now=services.now(),
        language=current_language(),
    )
    return await next_step(update, context)


async def write_name(update: Update, context: BotContext) -> int:
    """Keep the name to address the parent by, or ask again kindly."""
    if not data(context).get("start"):
        return await lost(update, context)
    name = parents.clean_name(require_message(update).text)
    if name is None:
        prefix = _("Не успях да разбера името. Напишете го с букви, например: Мария.") + "\n"
        return await ask_name(update, context, prefix=prefix)
    d = data(context)
    d["name"] = name
    d["asked_name"] = True
    return await next_step(update, context)


async def write_phone(update: Update, context: BotContext) -> int:
    """Keep a valid phone (typed or shared), or explain the format and ask again."""
    if not data(context).get("start"):
        return await lost(update, context)
    message = require_message(update)
    raw = message.contact.phone_number if message.contact else message.text
    phone = parents.parse_phone(raw)
    if phone is None:
        prefix = (
            _(
                "Този номер не изглежда правилен. "
                "Напишете го така: 0888 123 456 или +359 888 123 456."
            )
            + "\n"
        )
        return await ask_phone(update, context, prefix=prefix)
    d = data(context)
    d["phone"] = phone
    d["asked_phone"] = True
    if message.contact is None:
        # Typed: the share-contact keyboard is still up; the main menu replaces it. (A shared
        # contact has closed that one-time keyboard; the menu returns with the booking's end.)
        await message.reply_text(_("Благодарим Ви."), reply_markup=main_menu())
    return await next_step(update, context)


async def change(update: Update, context: BotContext) -> int:
    """Ask what to change."""
    if not _complete(data(context)):
        return await lost(update, context)
    return await ask_change(update, context)


async def change_what(update: Update, context: BotContext) -> int:
    """Forget the chosen part and ask for it again."""
    d = data(context)
    what = _callback_arg(update)
    if what == "topic":
        d.pop("topic", None)
        return await ask_topic(update, context)
    if what == "when":
        d.pop("start", None)
        d.pop("day", None)
        d["page"] = 0
        return await ask_day(update, context)
    if what == "name":
        d.pop("name", None)
        d["asked_name"] = True
        return await ask_name(update, context)
    if what == "phone":
        d.pop("phone", None)
        d["asked_phone"] = True
        return await ask_phone(update, context)
    return await ask_change(update, context)


async def confirm(update: Update, context: BotContext) -> int:
    """Save the booking as pending, tell the parent and the staff."""
    services = context.services
    d = data(context)
    if not _complete(d):
        return await lost(update, context)
    query = update.callback_query
    assert query is not None
    message_id = query.message.message_id if query.message else 0
    try:
        appointment = await durable_write(
            services.db,
            booking.book,
            services.db,
            telegram_user_id=user_id(update),
            chat_id=chat_id(update),
            topic=d["topic"],
            note=d.get("note"),
            start=datetime.fromisoformat(d["start"]),
            request_key=f"{user_id(update)}:{message_id}",
            tz=services.settings.tz,
            now=services.now(),
            name=d["name"],
            phone=d["phone"],
            language=current_language(),
            policy=services.reminder_policy,
        )
    except (SlotTaken, SlotUnavailable):
        return await offer_nearest(update, context, datetime.fromisoformat(d["start"]))
    except LimitReached:
        clear(context)
        await show(update, limit_text(), inline([my_bookings_row()]))
        return ConversationHandler.END
    except NoConsent:
        return await ask_consent(update, context)
    clear(context)
    assert appointment.id is not None
    log.info("booking %s saved (pending)", appointment.id)
    await show(update, booked_text(context, appointment.start))
    await _menu_again(update, context)
    # The card may wait for the staff group's 20 a minute: not inside the parent's update.
    context.in_background(notify.announce_new_booking(context.bot, services, appointment.id))
    return ConversationHandler.END


def booked_text(context: BotContext, start: datetime) -> str:
    services = context.services
    return _(
        "✅ Часът Ви е запазен: {when}\n"
        "Центърът ще го потвърди и ще Ви пишем тук. "
        "Часовете си виждате в „🗓 Моите часове“."
    ).format(when=format_when(start, services.settings.tz, services.now()))


async def already_booked(update: Update, context: BotContext) -> None:
    """A second tap on Потвърди after the booking was saved: say it is already booked."""
    query = update.callback_query
    assert query is not None
    message_id = query.message.message_id if query.message else 0
    found = booking.by_request_key(context.services.db, f"{user_id(update)}:{message_id}")
    if found is None:
        await show(
            update, _("Този бутон вече не е активен. Започнете отново с „📅 Запазете час“.")
        )
        await _menu_again(update, context)
        return
    await show(update, booked_text(context, found.start))


async def abort(update: Update, context: BotContext) -> int:
    """Stop booking; nothing is saved."""
    clear(context)
    if update.callback_query is not None:
        await show(update, _("Добре, спряхме. Нищо не е запазено."))
        await _menu_again(update, context)
    else:
        await require_message(update).reply_text(
            _("Добре, спряхме. Нищо не е запазено."), reply_markup=main_menu()
        )
    return ConversationHandler.END


async def lost(update: Update, context: BotContext) -> int:
    """The conversation's data is gone (erased or too old): start again."""
    clear(context)
    await show(
        update,
        _("Не успях да продължа записването. Моля, започнете отново."),
        inline([[(_("📅 Запазете час"), "book:start")]]),
    )
    return ConversationHandler.END


async def expect_button(update: Update, context: BotContext) -> int:
    """Free text (or a sticker) where a button was expected: say so and show the buttons."""
    await require_message(update).reply_text(_("Моля, изберете с бутоните под съобщението."))
    return await reshow(update, context)


async def back(update: Update, context: BotContext) -> int:
    """Go one step back."""
    d = data(context)
    step = d.get("step")
    if step == NOTE:
        return await ask_topic(update, context)
    if step == DAY:
        return await ask_note(update, context)
    if step == TIME:
        d.pop("start", None)
        d.pop("day", None)
        return await ask_day(update, context)
    if step in (CONSENT, ASK_NAME) and parse_day(d.get("day", "")):
        d.pop("start", None)
        return await ask_time(update, context, date.fromisoformat(d["day"]))
    if step == ASK_PHONE:
        d.pop("name", None)
        return await ask_name(update, context)
    if step == CHANGE and _complete(d):
        return await ask_summary(update, context)
    return await reshow(update, context)


async def old_button(update: Update, context: BotContext) -> int:
    """A booking button from an earlier step: say so and show where we are now."""
    query = update.callback_query
    if query is not None:
        await query.answer(_("Този бутон е от предишна стъпка."))
    return await reshow(update, context)


async def hand_over(update: Update, context: BotContext) -> int:
    """A main-menu button, /start or /menu ends the booking; its own handler answers it."""
    clear(context)
    for handler in context.application.handlers.get(0, []):
        if isinstance(handler, ConversationHandler) and handler.name == NAME:
            continue
        check = handler.check_update(update)
        if check is not None and check is not False:
            await handler.handle_update(update, context.application, check, context)
            break
    return ConversationHandler.END


async def timed_out(update: Update, context: BotContext) -> None:
    """Close an idle booking politely."""
    clear(context)
    if update.effective_chat is None:
        return
    await context.bot.send_message(
        update.effective_chat.id,
        _(
            "Спряхме записването, защото дълго нямаше отговор. Нищо не е запазено. "
            "Можете да започнете отново с „📅 Запазете час“."
        ),
        reply_markup=main_menu(),
    )


async def _menu_again(update: Update, context: BotContext) -> None:
    """Bring the main menu back under the last message."""
    await context.bot.send_message(
        chat_id(update), _("Изберете от менюто какво Ви интересува."), reply_markup=main_menu()
    )


def _callback_arg(update: Update) -> str:
    query = update.callback_query
    raw = query.data if query is not None and isinstance(query.data, str) else ""
    return raw.rsplit(":", 1)[-1]


def handlers(timeout_minutes: int = 30) -> list[BaseHandler]:  # type: ignore[type-arg]
    """The booking conversation, then the answer to a late second tap on Потвърди."""
    private = filters.ChatType.PRIVATE
    text_in = private & filters.TEXT & ~filters.COMMAND & ~ANY_MENU_BUTTON
    anything_else = private & ~filters.COMMAND & ~ANY_MENU_BUTTON & ~filters.StatusUpdate.ALL

    def cb(callback: Any, pattern: str) -> CallbackQueryHandler:  # type: ignore[type-arg]
        return CallbackQueryHandler(callback, pattern=pattern)

    back_handler = cb(back, r"^book:back$")
    with warnings.catch_warnings():
        # per_message=False is intended: the text steps need per-chat tracking.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        conversation = RoutedConversation(
            entry_points=[
                CommandHandler("book", start, filters=private),
                MessageHandler(private & menu_filter("book"), start),
                cb(start, r"^book:start$"),
            ],
            states={
                TOPIC: [
                    cb(choose_topic, r"^book:topic:"),
                    MessageHandler(anything_else, expect_button),
                ],
                NOTE: [
                    cb(skip_note, r"^book:skip$"),
                    back_handler,
                    MessageHandler(text_in, write_note),
                    MessageHandler(anything_else, expect_button),
                ],
                DAY: [
                    cb(choose_day, r"^book:day:"),
                    cb(turn_page, r"^book:page:"),
                    back_handler,
                    MessageHandler(anything_else, expect_button),
                ],
                TIME: [
                    cb(choose_time, r"^book:time:"),
                    cb(choose_day, r"^book:day:"),
                    cb(all_days, r"^book:days$"),
                    back_handler,
                    MessageHandler(anything_else, expect_button),
                ],
                CONSENT: [
                    cb(consent, r"^book:consent:"),
                    back_handler,
                    MessageHandler(anything_else, expect_button),
                ],
                ASK_NAME: [
                    back_handler,
                    MessageHandler(text_in, write_name),
                    MessageHandler(anything_else, expect_button),
                ],
                ASK_PHONE: [
                    back_handler,
                    MessageHandler(private & filters.CONTACT, write_phone),
                    MessageHandler(text_in, write_phone),
                    MessageHandler(anything_else, expect_button),
                ],
                SUMMARY: [
                    cb(confirm, r"^book:confirm$"),
                    cb(change, r"^book:change$"),
                    MessageHandler(anything_else, expect_button),
                ],
                CHANGE: [
                    cb(change_what, r"^book:chg:"),
                    back_handler,
                    MessageHandler(anything_else, expect_button),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", abort),
                cb(abort, r"^book:abort$"),
                MessageHandler(private & ANY_MENU_BUTTON, hand_over),
                # /start and /menu start afresh; /help and /privacy answer and keep the step.
                CommandHandler(["start", "menu"], hand_over, filters=private),
                cb(old_button, r"^book:"),
            ],
            name=NAME,
            persistent=True,
            allow_reentry=True,
            conversation_timeout=timedelta(minutes=timeout_minutes),
        )
    return [conversation, cb(already_booked, r"^book:confirm$")]
