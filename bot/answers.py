"""Answers built from the content file and the opening rules: plain text, no telegram.

Flows render these with keyboards; keeping the wording here lets the FAQ, the info
views and the crisis answer say the same thing, and lets tests read them directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time

from babel.dates import get_day_names

from bot.centre import Content
from bot.i18n import _, babel_locale, comma, format_clock
from storage.db import Database
from storage.rules import rules_of

# weekday (0 = Monday) -> open intervals, as `storage.rules.OpeningRules.hours`.
Hours = Mapping[int, Sequence[tuple[time, time]]]


def opening_hours(db: Database) -> Hours:
    """The weekly hours staff set (one short read; empty when none are set)."""
    return rules_of(db).hours


def phone_lines(content: Content) -> list[str]:
    """One line per phone, written as the centre writes it (Telegram makes it tappable)."""
    return [f"☎️ {_(p.label)}: {p.display}" for p in content.contacts.phones]


def hours_lines(hours: Hours) -> list[str]:
    """ "Понеделник – петък: 09:00–12:30, 13:30–17:00": runs of days with the same hours."""
    names = get_day_names("wide", locale=babel_locale())
    runs: list[tuple[int, int, tuple[tuple[time, time], ...]]] = []
    for day in range(7):
        spans = tuple(hours.get(day) or ())
        if not spans:
            continue
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == spans:
            runs[-1] = (runs[-1][0], day, spans)
        else:
            runs.append((day, day, spans))
    lines = []
    for first, last, spans in runs:
        days = names[first] if first == last else f"{names[first]} – {names[last]}"
        times = comma().join(f"{format_clock(a)}–{format_clock(b)}" for a, b in spans)
        lines.append(f"{days[:1].upper()}{days[1:]}: {times}")
    return lines


def hours_text(content: Content, hours: Hours | None) -> str:
    """The working hours set by staff, or the phone when none are set."""
    lines = hours_lines(hours or {})
    if not lines:
        return _("Работното време ще Ви каже специалист на {phone}.").format(
            phone=content.contacts.main_phone.display
        )
    return _("Работно време:") + "\n" + "\n".join(lines)


def contacts_text(content: Content, hours: Hours | None = None) -> str:
    """Name, address, phones, e-mail and (when set) the working hours."""
    contacts = content.contacts
    lines = [
        _(content.centre.name),
        _("📍 Адрес: {address}").format(address=_(contacts.address)),
        *phone_lines(content),
    ]
    if contacts.email:
        lines.append(f"✉️ {contacts.email}")
    hour_lines = hours_lines(hours or {})
    if hour_lines:
        lines.append("")
        lines.append(_("🕘 Работно време:"))
        lines.extend(hour_lines)
    return "\n".join(lines)


def crisis_text(content: Content) -> str:
    """Numbers first, one sentence of care, then the centre's phone."""
    lines = content.help_lines
    text = _(
        "🆘 При опасност за живота или здравето се обадете веднага на {emergency} "
        "(безплатно, денонощно).\n"
        "☎️ {children} — {children_name}: безплатно, денонощно и анонимно.\n"
    ).format(
        emergency=lines.emergency, children=lines.children, children_name=_(lines.children_name)
    )
    if lines.domestic_violence and lines.domestic_violence_name:
        text += _("☎️ {number} — {name}.\n").format(
            number=lines.domestic_violence, name=_(lines.domestic_violence_name)
        )
    text += _("\nНе сте сами и не сте виновни. Специалистите на центъра също могат да помогнат:")
    text += "\n" + "\n".join(phone_lines(content))
    return text


def not_understood_text(content: Content) -> str:
    return _(
        "Не успях да разбера съобщението. Изберете от менюто или се обадете на {phone}."
    ).format(phone=content.contacts.main_phone.display)


def faq_answer(key: str, content: Content, hours: Hours | None = None) -> str:
    """The short answer for one FAQ topic; facts come from the content file."""
    phone = content.contacts.main_phone.display
    if key == "contacts":
        return contacts_text(content, hours)
    if key == "hours":
        return hours_text(content, hours)
    if key == "price":
        if content.centre.services_free:
            return _("Услугите в центъра са безплатни.")
        return _("За цената попитайте на {phone}.").format(phone=phone)
    if key == "referral":
        return _(
            "За консултация не е нужно направление. За специализираните услуги е нужно "
            "направление или предварителна оценка от Дирекция „Социално подпомагане“ (ДСП)."
        )
    if key == "who":
        lines = [_("Кой може да ползва услугите:")]
        lines += [
            f"• {_(group.title)}: {_(group.services[0].who_for)}"
            for group in content.service_groups
        ]
        return "\n".join(lines)
    if key == "documents":
        if content.referral.documents:
            return _(content.referral.documents)
        return _("Какво да носите, ще Ви каже специалист на {phone}.").format(phone=phone)
    if key == "booking":
        return _("Можете да запазите час за консултация — за нея не е нужно направление.")
    return not_understood_text(content)
