"""Staff cards and keyboards, and the texts parents get after a staff action.

Pure rendering: (text, keyboard) from an `AppointmentView`; handlers and notify send them.
Callback data (≤ 64 bytes): `st:<action>:<appointment id>[:<extra>]`, parents' answers to
a proposal `prop:yes:<id>` / `prop:no:<id>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, get_day_names
from telegram import InlineKeyboardMarkup

from admin.appointments import AppointmentView
from admin.hours import Hours
from admin.notices import (
    book_again_buttons,
    cancelled_text,
    card_buttons,
    card_text,
    confirmed_text,
    declined_text,
    proposal_buttons,
    proposal_text,
)
from admin.stats import MonthStats
from admin.texts import as_typed, compact_day, compact_when, language_mark, mark, topic_title
from bot.centre import Content
from bot.i18n import _, babel_locale, format_clock
from bot.ui import inline
from storage.models import AppointmentStatus as S

SLOTS_PER_PAGE = 8
LIST_BUTTONS = 60


# --- the staff card (texts in admin.notices: the outbox renders the same card) ---------------


def card_markup(view: AppointmentView) -> InlineKeyboardMarkup | None:
    """Потвърди · Откажи · Друг час while pending; no buttons once someone acted."""
    buttons = card_buttons(view)
    return inline(buttons) if buttons else None


def detail_markup(view: AppointmentView) -> InlineKeyboardMarkup:
    """The opened appointment: every action its status allows."""
    i = view.id
    rows: list[list[tuple[str, str]]] = []
    if view.status == S.pending:
        rows.append([(_("✅ Потвърди"), f"st:ok:{i}")])
        rows.append([(_("❌ Откажи"), f"st:no:{i}"), (_("🔁 Друг час"), f"st:mv:{i}")])
    elif view.status == S.confirmed:
        rows.append([(_("☑️ Дойде"), f"st:att:{i}"), (_("🚫 Не дойде"), f"st:ns:{i}")])
        rows.append([(_("🔔 Напомни сега"), f"st:rem:{i}"), (_("🔁 Друг час"), f"st:mv:{i}")])
        rows.append([(_("❌ Отмени часа"), f"st:cx:{i}")])
    elif view.status == S.attended:
        rows.append([(_("🚫 Не дойде"), f"st:ns:{i}")])
    elif view.status == S.no_show:
        rows.append([(_("☑️ Дойде"), f"st:att:{i}")])
    rows.append([(_("📝 Бележка"), f"st:note:{i}")])
    return inline(rows)


def reasons_markup(view: AppointmentView, content: Content, kind: str) -> InlineKeyboardMarkup:
    """Preset reasons from the content file, "Друга причина" (typed) and back.

    `kind` is "d" (decline a request) or "c" (cancel a confirmed appointment).
    """
    rows = [
        [(_(reason), f"st:r:{kind}:{view.id}:{index}")]
        for index, reason in enumerate(content.booking.decline_reasons)
    ]
    rows.append([(_("✍️ Друга причина"), f"st:r:{kind}:{view.id}:x")])
    rows.append([(_("↩️ Назад"), f"st:back:{view.id}")])
    return inline(rows)


def slots_markup(
    view: AppointmentView, free: Sequence[datetime], tz: ZoneInfo, offset: int
) -> InlineKeyboardMarkup:
    """A page of free slots to propose; "Още" pages on."""
    page = free[offset : offset + SLOTS_PER_PAGE]
    rows = [
        [(compact_when(start, tz), f"st:ms:{view.id}:{int(start.timestamp()) // 60}")]
        for start in page
    ]
    if offset + SLOTS_PER_PAGE < len(free):
        rows.append([(_("Още часове ▶️"), f"st:mv:{view.id}:{offset + SLOTS_PER_PAGE}")])
    rows.append([(_("↩️ Назад"), f"st:back:{view.id}")])
    return inline(rows)


# --- lists ------------------------------------------------------------------------------------


def list_text(title: str, views: Sequence[AppointmentView], content: Content, tz: ZoneInfo) -> str:
    """Grouped by day, in the given order, one line each with its status mark."""
    if not views:
        return f"{title}\n{_('Няма записани часове.')}"
    lines = [title]
    current: date | None = None
    for view in views:
        day = view.start.astimezone(tz).date()
        if day != current:
            current = day
            lines.append("")
            lines.append(f"📅 {compact_day(view.start, tz)}")
        name = as_typed(view.parent_name or "—")
        spoken = language_mark(view.parent_language)
        lines.append(
            f"{mark(view.status)} {format_clock(view.start.astimezone(tz))} {name} · "
            f"{topic_title(content, view.topic)}" + (f" · {spoken}" if spoken else "")
        )
    lines.append("")
    lines.append(_("✅ потвърден · ⏳ чака · ❌ отказан/отменен · ☑️ дошъл · 🚫 не дошъл"))
    return "\n".join(lines)


def list_markup(views: Sequence[AppointmentView], tz: ZoneInfo) -> InlineKeyboardMarkup | None:
    buttons = [
        (
            f"{mark(v.status)} {v.start.astimezone(tz):%d.%m} "
            f"{format_clock(v.start.astimezone(tz))} {(v.parent_name or '—')[:14]}",
            f"st:open:{v.id}",
        )
        for v in views[:LIST_BUTTONS]
    ]
    if not buttons:
        return None
    return inline([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def stats_text(stats: MonthStats, content: Content) -> str:
    month = format_date(stats.month, "LLLL yyyy", locale=babel_locale())
    lines = [
        _("📊 Статистика за {month}").format(month=month),
        _("Записвания: {n}").format(n=stats.bookings),
        _("Потвърдени: {n}").format(n=stats.confirmed),
        _("Дошли: {n}").format(n=stats.attended),
        _("Не дошли: {n}").format(n=stats.no_shows),
        _("Отменени: {n}").format(n=stats.cancelled),
        _("Отказани: {n}").format(n=stats.declined),
        _("Чакат отговор: {n}").format(n=stats.pending),
    ]
    if stats.by_topic:
        lines.append(_("По теми:"))
        lines.extend(
            f"• {topic_title(content, key)}: {count}" for key, count in stats.by_topic.items()
        )
    return "\n".join(lines)


def hours_text(hours: Hours) -> str:
    rules = hours.rules
    names = get_day_names("wide", locale=babel_locale())
    lines = [_("🕘 Часове за записване")]
    for weekday in range(7):
        spans = rules.hours.get(weekday, ())
        text = (
            ", ".join(f"{format_clock(a)}–{format_clock(b)}" for a, b in spans)
            if spans
            else _("затворено")
        )
        lines.append(f"{names[weekday]}: {text}")
    lines.append(
        _(
            "Час: {slot} мин · места: {places} · най-малко {lead} мин предварително · "
            "до {horizon} дни напред"
        ).format(
            slot=rules.slot_minutes,
            places=rules.places_per_slot,
            lead=rules.min_lead_minutes,
            horizon=rules.horizon_days,
        )
    )
    if hours.closed:
        lines.append(_("Затворени дни:"))
        for day, reason in sorted(hours.closed.items()):
            shown = format_date(day, "EEEE, dd.MM.yyyy", locale=babel_locale())
            lines.append(f"• {shown}" + (f" — {reason}" if reason else ""))
    return "\n".join(lines)


def book_again_markup() -> InlineKeyboardMarkup:
    return inline(book_again_buttons())


def proposal_markup(view: AppointmentView) -> InlineKeyboardMarkup:
    return inline(proposal_buttons(view))


__all__ = [
    "cancelled_text",
    "card_text",
    "confirmed_text",
    "declined_text",
    "proposal_text",
]
