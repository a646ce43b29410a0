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
from admin.stats import MonthStats
from admin.texts import (
    as_typed,
    compact_day,
    compact_when,
    language_mark,
    mark,
    short_stamp,
    status_name,
    topic_title,
)
from bot.centre import Content
from bot.i18n import _, babel_locale, format_clock, format_when, ngettext
from bot.ui import MENU_LABELS, inline
from storage.models import AppointmentStatus as S

SLOTS_PER_PAGE = 8
LIST_BUTTONS = 60


# --- the staff card ---------------------------------------------------------------------------


def _status_line(view: AppointmentView, tz: ZoneInfo) -> str:
    who = view.handled_by or _("екипа")
    stamp = short_stamp(view.handled_at, tz) if view.handled_at else ""
    if view.status == S.pending:
        return _("⏳ Чака потвърждение")
    if view.status == S.confirmed:
        return _("✅ Потвърден от {who} · {stamp}").format(who=who, stamp=stamp)
    if view.status == S.declined:
        return _("❌ Отказан от {who} · {stamp}").format(who=who, stamp=stamp)
    if view.status == S.cancelled_by_staff:
        return _("❌ Отменен от {who} · {stamp}").format(who=who, stamp=stamp)
    if view.status == S.cancelled_by_parent:
        return _("❌ Отменен от родителя")
    if view.status == S.attended:
        return _("☑️ Дойде")
    if view.status == S.no_show:
        return _("🚫 Не дойде")
    return f"{mark(view.status)} {status_name(view.status)}"


def card_text(view: AppointmentView, content: Content, tz: ZoneInfo) -> str:
    """Compact card: when, name, tappable phone, topic, note, bookings so far, status."""
    lines = [f"{mark(view.status)} №{view.id} · {compact_when(view.start, tz)}"]
    lines.append(f"👤 {as_typed(view.parent_name or _('(данните са изтрити)'))}")
    if language_mark(view.parent_language):
        lines.append(language_mark(view.parent_language))
    if view.parent_phone:
        lines.append(f"☎️ {view.parent_phone}")  # E.164: Telegram makes it tappable
    lines.append(f"📋 {topic_title(content, view.topic)}")
    if view.note:
        lines.append(f"💬 {as_typed(view.note)}")  # as the parent wrote it
    lines.append(
        ngettext("{n} записване досега", "{n} записвания досега", view.bookings_count).format(
            n=view.bookings_count
        )
    )
    lines.append(_status_line(view, tz))
    if view.reason_text():
        lines.append(_("Причина: {reason}").format(reason=view.reason_text()))
    if view.proposed_start is not None:
        lines.append(
            _("🔁 Предложен друг час: {when} — чака отговор").format(
                when=compact_when(view.proposed_start, tz)
            )
        )
    if view.parent_reply == "coming":
        lines.append(_("👍 Родителят ще дойде"))
    if view.parent_unreachable:
        lines.append(_("⚠️ Ботът не може да пише на родителя"))
    if view.staff_note:
        lines.append(_("📝 {note}").format(note=view.staff_note))
    return "\n".join(lines)


def card_markup(view: AppointmentView) -> InlineKeyboardMarkup | None:
    """Потвърди · Откажи · Друг час while pending; no buttons once someone acted."""
    if view.status != S.pending:
        return None
    return inline(
        [
            [(_("✅ Потвърди"), f"st:ok:{view.id}")],
            [(_("❌ Откажи"), f"st:no:{view.id}"), (_("🔁 Друг час"), f"st:mv:{view.id}")],
        ]
    )


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


# --- what parents read ------------------------------------------------------------------------


def _cancel_hint(content: Content) -> str:
    label = MENU_LABELS["my"]  # a variable, so the extractor takes the label, not the key
    return _(
        "Ако не можете да дойдете, отменете часа от „{menu}“ или се обадете на {phone}."
    ).format(menu=_(label), phone=content.contacts.main_phone.display)


def confirmed_text(view: AppointmentView, content: Content, tz: ZoneInfo, now: datetime) -> str:
    """Date, time, address, what to expect, how to cancel."""
    lines = [
        _("✅ Часът Ви е потвърден: {when}").format(when=format_when(view.start, tz, now)),
        _("Адрес: {address}").format(address=_(content.contacts.address)),
    ]
    if content.booking.what_to_expect:
        lines.append(_(content.booking.what_to_expect))
    lines.append(_cancel_hint(content))
    return "\n".join(lines)


def declined_text(view: AppointmentView, content: Content, tz: ZoneInfo, now: datetime) -> str:
    lines = [
        _("За съжаление не можем да Ви приемем: {when}").format(
            when=format_when(view.start, tz, now)
        )
    ]
    if view.decline_reason:
        lines.append(_("Причина: {reason}").format(reason=_(view.decline_reason)))
    lines.append(
        _("Можете да изберете друг час или да се обадите на {phone}.").format(
            phone=content.contacts.main_phone.display
        )
    )
    return "\n".join(lines)


def cancelled_text(view: AppointmentView, content: Content, tz: ZoneInfo, now: datetime) -> str:
    lines = [
        _("За съжаление центърът отмени часа Ви: {when}").format(
            when=format_when(view.start, tz, now)
        )
    ]
    if view.cancel_reason:
        lines.append(_("Причина: {reason}").format(reason=_(view.cancel_reason)))
    lines.append(
        _("Извиняваме се. Можете да изберете друг час или да се обадите на {phone}.").format(
            phone=content.contacts.main_phone.display
        )
    )
    return "\n".join(lines)


def book_again_markup() -> InlineKeyboardMarkup:
    return inline([[(_("📅 Изберете друг час"), "book:start")]])


def proposal_text(view: AppointmentView, content: Content, tz: ZoneInfo, now: datetime) -> str:
    assert view.proposed_start is not None
    return _("Екипът на {centre} Ви предлага друг час: {when} Удобен ли е за Вас?").format(
        centre=_(content.centre.short_name), when=format_when(view.proposed_start, tz, now)
    )


def proposal_markup(view: AppointmentView) -> InlineKeyboardMarkup:
    yes = (_("✅ Приемам"), f"prop:yes:{view.id}")
    no = (_("❌ Не ми е удобно"), f"prop:no:{view.id}")
    return inline([[yes, no]])
