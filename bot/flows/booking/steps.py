"""Step renderers: each asks its question, remembers the step and returns its state."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.flows.booking.state import (
    ASK_NAME,
    ASK_PHONE,
    CHANGE,
    CONSENT,
    DAY,
    NOTE,
    SUMMARY,
    TIME,
    TOPIC,
    clear,
    complete,
    data,
)
from bot.flows.common import (
    Rows,
    chat_id,
    consent_prompt,
    day_label,
    day_rows,
    free_days,
    free_times,
    parse_day,
    share_phone_keyboard,
    time_rows,
    topic_title,
    user_id,
)
from bot.i18n import _, format_day_short, format_when
from bot.steps import open_until
from bot.ui import inline, main_menu, show
from storage import booking, parents


def no_free_places_text(context: BotContext) -> str:
    return _(
        "В момента няма свободни часове. Обадете се на {phone} и ще намерим време заедно."
    ).format(phone=context.services.content.contacts.main_phone.display)


def limit_text() -> str:
    return _(
        "Вече имате {limit} запазени часа — толкова може да има един родител. "
        "Можете да преместите или отмените някой от тях."
    ).format(limit=booking.MAX_FUTURE_BOOKINGS)


def my_bookings_row() -> list[tuple[str, str]]:
    return [(_("🗓 Моите часове"), "my:list")]


def cancel_row(back: bool = True) -> list[tuple[str, str]]:
    row = [(_("⬅️ Назад"), "book:back")] if back else []
    row.append((_("✖️ Отменям"), "book:abort"))
    return row


def waitlist_row(context: BotContext) -> list[tuple[str, str]]:
    """ "Няма удобен час": the waiting list for this topic (bot/flows/waitlist.py, issue 22)."""
    topic = data(context).get("topic")
    return [(_("⏳ Няма удобен час"), f"wl:join:{topic}")] if topic else []


def remember_step(context: BotContext, state: int) -> int:
    """Remember the step and, with it, when it stops accepting typed text (bot.steps)."""
    d = data(context)
    d["step"] = state
    timeout = timedelta(minutes=context.services.settings.conversation_timeout_minutes)
    open_until(d, context.services.now(), timeout)
    return state


async def ask_topic(update: Update, context: BotContext) -> int:
    topics = context.services.content.booking.topics
    rows: Rows = [[(_(t.title), f"book:topic:{t.key}")] for t in topics]
    rows.append(cancel_row(back=bool(data(context).get("changing"))))
    await show(update, _("За какво искате консултация? Изберете тема."), inline(rows))
    return remember_step(context, TOPIC)


async def ask_note(update: Update, context: BotContext) -> int:
    text = _(
        "Ако желаете, опишете с едно изречение с какво можем да помогнем.\n"
        "⚠️ Не пишете здравословни или други лични подробности — ще ги споделите "
        "със специалиста на място."
    )
    rows: Rows = [[(_("Пропускам"), "book:skip")], cancel_row()]
    await show(update, text, inline(rows))
    return remember_step(context, NOTE)


async def ask_day(update: Update, context: BotContext, *, prefix: str = "") -> int:
    days = free_days(context)
    if not days:
        wait = waitlist_row(context)  # issue 22: the waiting list instead
        clear(context)
        text = no_free_places_text(context)
        if wait:
            text += "\n" + _(
                "Можете и да се запишете в списъка на чакащите: ще Ви пишем тук, "
                "когато се освободи подходящ час."
            )
        await show(update, text, inline([wait]) if wait else None)
        await menu_again(update, context)
        return ConversationHandler.END
    today = context.services.local_now().date()
    page = int(data(context).get("page", 0))
    rows = day_rows(days, today, page, "book:day:{}", "book:page:{}")
    rows.extend(filter(None, [waitlist_row(context)]))
    rows.append(cancel_row())
    await show(update, prefix + _("Изберете ден:"), inline(rows))
    return remember_step(context, DAY)


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
    rows.extend(filter(None, [waitlist_row(context)]))
    rows.append(cancel_row())
    text = prefix + _("{day}. Изберете час:").format(
        day=day_label(day, context.services.local_now().date()).capitalize()
    )
    await show(update, text, inline(rows))
    return remember_step(context, TIME)


async def ask_consent(update: Update, context: BotContext) -> int:
    text, rows = consent_prompt(context, "book")
    rows.append(cancel_row())
    await show(update, text, inline(rows))
    return remember_step(context, CONSENT)


async def ask_name(update: Update, context: BotContext, *, prefix: str = "") -> int:
    text = prefix + _("Как да се обръщаме към Вас? Напишете име.")
    await show(update, text, inline([cancel_row()]))
    return remember_step(context, ASK_NAME)


async def ask_phone(update: Update, context: BotContext, *, prefix: str = "") -> int:
    text = prefix + _(
        "На кой телефон да Ви се обадим при нужда? Напишете го, например 0888 123 456."
    )
    await show(update, text, inline([cancel_row()]))
    share = share_phone_keyboard()
    await context.bot.send_message(
        chat_id(update), _("Или натиснете бутона долу, за да го изпратите."), reply_markup=share
    )
    return remember_step(context, ASK_PHONE)


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
    data(context).pop("changing", None)  # a change in progress is done
    rows: Rows = [
        [(_("✅ Потвърждавам"), "book:confirm")],
        [(_("✏️ Промяна"), "book:change"), (_("✖️ Отменям"), "book:abort")],
    ]
    await show(update, summary_text(context), inline(rows))
    return remember_step(context, SUMMARY)


async def ask_change(update: Update, context: BotContext) -> int:
    rows: Rows = [
        [(_("Тема"), "book:chg:topic"), (_("Ден и час"), "book:chg:when")],
        [(_("Име"), "book:chg:name"), (_("Телефон"), "book:chg:phone")],
        [(_("⬅️ Назад"), "book:back")],
    ]
    await show(update, _("Какво да променим?"), inline(rows))
    return remember_step(context, CHANGE)


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
        # A returning parent: offer what we already hold; "Промяна" changes it.
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
    if step == SUMMARY and complete(d):
        return await ask_summary(update, context)
    return await lost(update, context)


def booked_text(context: BotContext, start: datetime) -> str:
    services = context.services
    return _(
        "✅ Заявката Ви е изпратена: {when}\n"
        "Центърът ще я потвърди и ще Ви пишем тук. "
        "Часовете си виждате в „🗓 Моите часове“."
    ).format(when=format_when(start, services.settings.tz, services.now()))


async def lost(update: Update, context: BotContext) -> int:
    """The conversation's data is gone (erased or too old): start again."""
    clear(context)
    await show(
        update,
        _("Не успях да продължа записването. Моля, започнете отново."),
        inline([[(_("📅 Запазете час"), "book:start")]]),
    )
    return ConversationHandler.END


async def menu_again(update: Update, context: BotContext) -> None:
    """Bring the main menu back under the last message."""
    await context.bot.send_message(
        chat_id(update), _("Изберете от менюто какво Ви интересува."), reply_markup=main_menu()
    )
