"""Helpers several parents' flows share: who is asking, topics, statuses, day and time pickers.

The pickers serve booking (bot/flows/booking/) and moving an appointment
(bot/flows/my_bookings.py); flows import these from here, never from each other.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.answers import Facts, told_hours
from bot.context import BotContext
from bot.i18n import _, comma, format_clock, format_day_short, format_when, relative_day
from bot.routing import answered
from bot.services import Services
from bot.ui import ANY_MENU_BUTTON, MENU_LABELS
from storage import questions, slots
from storage.db import Database
from storage.models import AppointmentStatus

DAYS_PER_PAGE = 7
# Set while a parent writes a question (bot/flows/ask.py): the crisis flow answers with the
# numbers first and lets the message through to staff.
ASKING_KEY = "asking"
Rows = list[list[tuple[str, str]]]
# A typed step's filters: the parent's own words, and anything else it answers with a hint.
TEXT_IN = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & ~ANY_MENU_BUTTON
ANYTHING_ELSE = (
    filters.ChatType.PRIVATE & ~filters.COMMAND & ~ANY_MENU_BUTTON & ~filters.StatusUpdate.ALL
)


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


def status_text(status: str) -> str:
    if status == AppointmentStatus.confirmed:
        return _("✅ потвърден")
    return _("⏳ чака потвърждение")


def asking(context: BotContext) -> dict[str, int | float | None] | None:
    """The question step the parent is in, if it is still fresh.

    The conversation's timeout does not survive a restart; a step left open for longer than
    the timeout counts as ended (free text then reaches the FAQ, not an old question).
    """
    step = (context.user_data or {}).get(ASKING_KEY)
    if not isinstance(step, dict):
        return None
    limit = context.services.settings.conversation_timeout_minutes * 60
    at = step.get("at")
    if not isinstance(at, int | float) or context.services.now().timestamp() - at > limit:
        return None
    return step


def question_of_reply(db: Database, update: Update) -> tuple[int, str] | None:
    """(question id, kind) when the message replies to one of a question's messages."""
    message = update.message
    if message is None or message.reply_to_message is None:
        return None
    return questions.card_of_message(db, message.chat.id, message.reply_to_message.message_id)


def consent_prompt(context: BotContext, prefix: str) -> tuple[str, Rows]:
    """Booking and the waiting list ask the same consent for the same name and phone.

    `prefix` is the flow's callback prefix ("book", "wl"); the caller adds its own way out.
    """
    text = _(
        "За да запазим часа, ще Ви помолим за име и телефон. Ползваме ги за Вашите часове "
        "и напомнянията за тях и ги изтриваме до {days} дни след часа или когато поискате "
        "(/forget). Повече: /privacy\n\n"
        "Съгласни ли сте да ги запазим?"
    ).format(days=context.services.settings.retention_days)
    rows: Rows = [
        [(_("✅ Давам съгласие"), f"{prefix}:consent:yes")],
        [(_("Не давам съгласие"), f"{prefix}:consent:no")],
    ]
    return text, rows


def answered_callback(callback: Any, pattern: str) -> CallbackQueryHandler:  # type: ignore[type-arg]
    """A conversation's button step that answers the update itself (bot/routing.py)."""
    return CallbackQueryHandler(answered(callback), pattern=pattern)


def answered_message(message_filter: filters.BaseFilter, callback: Any) -> MessageHandler:  # type: ignore[type-arg]
    """A conversation's message step that answers the update itself (bot/routing.py)."""
    return MessageHandler(message_filter, answered(callback))


def share_phone_keyboard() -> ReplyKeyboardMarkup:
    """The phone step's keyboard: share the number with one tap; 🆘 stays within reach."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📱 Изпратете номера си"), request_contact=True)],
            [KeyboardButton(_(MENU_LABELS["emergency"]))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


NEXT_FREE = 3  # "кога мога да дойда": this many free times


def facts_for(services: Services, keys: tuple[str, ...]) -> Facts:
    """Read only what the answers need: the hours staff set, the next free times."""
    hours = told_hours(services.db) if {"hours", "address", "phone"} & set(keys) else None
    if "when" not in keys:
        return Facts(hours=hours)
    tz, now = services.settings.tz, services.now()
    with services.db.read() as session:
        # The free slots nearest to now are the earliest ones (none lie in the past).
        nearest = slots.nearest_free(session, tz, now, now, limit=NEXT_FREE)
    return Facts(hours=hours, free=[slot.start for slot in nearest], tz=tz, now=now)
