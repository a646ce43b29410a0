"""What each button, text or command of the booking conversation does."""

from __future__ import annotations

import logging
from datetime import date, datetime

from telegram import Update
from telegram.ext import ConversationHandler

from admin import notices
from bot.background import durable_write
from bot.context import BotContext
from bot.flows.booking.state import (
    ASK_NAME,
    ASK_PHONE,
    CHANGE,
    CONSENT,
    DAY,
    NOTE,
    NOTE_MAX,
    SUMMARY,
    TIME,
    callback_arg,
    clear,
    complete,
    data,
)
from bot.flows.booking.steps import (
    ask_change,
    ask_consent,
    ask_day,
    ask_name,
    ask_note,
    ask_phone,
    ask_summary,
    ask_time,
    ask_topic,
    booked_text,
    cancel_row,
    limit_text,
    lost,
    menu_again,
    my_bookings_row,
    next_step,
    no_free_places_text,
    remember_step,
    reshow,
)
from bot.flows.common import (
    Rows,
    chat_id,
    free_times,
    nearest,
    nearest_rows,
    parse_day,
    parse_epoch,
    user_id,
)
from bot.i18n import _, current_language
from bot.ui import inline, main_menu, require_message, show
from storage import booking, parents
from storage.errors import LimitReached, NoConsent, SlotTaken, SlotUnavailable

log = logging.getLogger(__name__)


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
    key = callback_arg(update)
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
    message = require_message(update)
    text = message.text or ""
    first_line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    note = short_note(first_line)
    data(context)["note"] = note or None
    data(context)["page"] = 0
    if note != first_line:
        # Never cut without a word: the parent knows what the specialist will read.
        told = _(
            "Бележката е дълга: запазихме началото ѝ ({n} знака). Останалото ще кажете на място."
        )
        await message.reply_text(told.format(n=len(note)))
    return await next_step(update, context)


def short_note(line: str) -> str:
    """The note's first NOTE_MAX characters, cut at a word and marked with "…" when cut."""
    if len(line) <= NOTE_MAX:
        return line
    cut = line[: NOTE_MAX - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:—-") + "…"


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
        data(context)["page"] = max(0, int(callback_arg(update)))
    except ValueError:
        data(context)["page"] = 0
    return await ask_day(update, context)


async def choose_day(update: Update, context: BotContext) -> int:
    """Show the free times of the chosen day (or say it filled up meanwhile)."""
    day = parse_day(callback_arg(update))
    if day is None:
        return await ask_day(update, context)
    return await ask_time(update, context, day)


async def choose_time(update: Update, context: BotContext) -> int:
    """Hold on to the chosen time if it is still free, else offer the nearest ones."""
    start = parse_epoch(callback_arg(update))
    if start is None:
        return await ask_day(update, context)
    local_day = start.astimezone(context.services.settings.tz).date()
    if all(s.start != start for s in free_times(context, local_day)):
        return await offer_nearest(update, context, start)
    d = data(context)
    d["start"] = start.isoformat()
    d["day"] = local_day.isoformat()
    return await next_step(update, context)


async def offer_nearest(
    update: Update, context: BotContext, wanted: datetime, *, taken: bool = True
) -> int:
    """Say the time was taken (or can no longer be booked) and offer the closest free times."""
    data(context).pop("start", None)
    found = nearest(context, wanted)
    if not found:
        clear(context)
        await show(update, no_free_places_text(context))
        await menu_again(update, context)
        return ConversationHandler.END
    rows = nearest_rows(found, context, "book:time:{}")
    rows.append([(_("📅 Друг ден"), "book:days")])
    rows.append(cancel_row(back=False))
    if taken:
        text = _("Този час междувременно беше зает. Ето най-близките свободни часове:")
    else:  # the day was closed by staff, or the time came too close: not "зает"
        text = _("Този час вече не може да се запази. Ето най-близките свободни часове:")
    await show(update, text, inline(rows))
    return remember_step(context, TIME)


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
    if callback_arg(update) != "yes":
        clear(context)
        text = _(
            "Разбираме. Без име и телефон не можем да запазим час тук. "
            "Обадете се на {phone} — ще Ви запишем по телефона."
        ).format(phone=services.content.contacts.main_phone.display)
        await show(update, text)
        await menu_again(update, context)
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
    if not complete(data(context)):
        return await lost(update, context)
    return await ask_change(update, context)


async def change_what(update: Update, context: BotContext) -> int:
    """Forget the chosen part and ask for it again."""
    d = data(context)
    what = callback_arg(update)
    # What the parent had, so that "Назад" brings it back (see `back`).
    d["changing"] = {k: d.get(k) for k in CHANGED_KEYS.get(what, ())}
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
    if not complete(d):
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
            announce=notices.announcer(services),  # the staff card: a row of this commit
        )
    except SlotTaken:
        return await offer_nearest(update, context, datetime.fromisoformat(d["start"]))
    except SlotUnavailable:
        wanted = datetime.fromisoformat(d["start"])
        return await offer_nearest(update, context, wanted, taken=False)
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
    await menu_again(update, context)
    return ConversationHandler.END


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
        await menu_again(update, context)
        return
    await show(update, booked_text(context, found.start))


async def abort(update: Update, context: BotContext) -> int:
    """Stop booking; nothing is saved."""
    clear(context)
    if update.callback_query is not None:
        await show(update, _("Добре, спряхме. Нищо не е запазено."))
        await menu_again(update, context)
    else:
        await require_message(update).reply_text(
            _("Добре, спряхме. Нищо не е запазено."), reply_markup=main_menu()
        )
    return ConversationHandler.END


async def expect_button(update: Update, context: BotContext) -> int:
    """Free text (or a sticker) where a button was expected: say so and show the buttons."""
    await require_message(update).reply_text(_("Моля, изберете с бутоните под съобщението."))
    return await reshow(update, context)


CHANGED_KEYS = {
    "topic": ("topic", "note"),
    "when": ("start", "day"),
    "name": ("name",),
    "phone": ("phone",),
}


async def back(update: Update, context: BotContext) -> int:
    """Go back to where the parent came from: the change menu while changing, else a step."""
    d = data(context)
    step = d.get("step")
    changing = d.pop("changing", None)
    if isinstance(changing, dict) and step != CHANGE:
        d.update({k: v for k, v in changing.items() if v is not None})
        if complete(d):
            return await ask_change(update, context)
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
    if step == CHANGE and complete(d):
        return await ask_summary(update, context)
    return await reshow(update, context)


async def old_button(update: Update, context: BotContext) -> int:
    """A booking button from an earlier step: say so and show where we are now."""
    query = update.callback_query
    if query is not None:
        await query.answer(_("Този бутон е от предишна стъпка."))
    return await reshow(update, context)


async def leave_summary(update: Update, context: BotContext) -> int:
    """A main-menu button at the summary: ask before the almost finished booking is lost."""
    rows: Rows = [
        [(_("✅ Потвърждавам"), "book:confirm")],
        [(_("⬅️ Назад към заявката"), "book:back")],
        [(_("✖️ Отменям"), "book:abort")],
    ]
    await require_message(update).reply_text(
        _("Заявката Ви още не е изпратена. Да я изпратим ли?"), reply_markup=inline(rows)
    )
    return remember_step(context, SUMMARY)


async def hand_over(update: Update, context: BotContext) -> int:
    """A main-menu button, /start or /menu ends the booking; the main group then answers it.

    Not `answered` (bot/routing.py): the update goes on to the later groups.
    """
    clear(context)
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
