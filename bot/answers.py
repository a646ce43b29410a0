"""Answers built from the content file and the opening rules: plain text, no telegram.

Flows render these with keyboards; keeping the wording here lets the FAQ, the info
views and the crisis answer say the same thing, and lets tests read them directly.
An answer's buttons are (label, callback data) pairs; the flows make keyboards of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.centre import Content
from bot.i18n import N_, _, babel_locale, comma, format_clock, format_when
from bot.text import Reading
from storage.db import Database
from storage.rules import rules_of

# weekday (0 = Monday) -> open intervals, as `storage.rules.OpeningRules.hours`.
Hours = Mapping[int, Sequence[tuple[time, time]]]
Button = tuple[str, str]

# Views an answer leads on to (callback data of bot/flows/*).
BOOK = (N_("📅 Запазете час"), "book:start")
SERVICES = (N_("📋 Услуги"), "info:services")
REFERRAL = (N_("📄 Направление от ДСП"), "ref:start")
GROUPS = (N_("👥 С кого работим"), "info:groups:1")
TEAM = (N_("🧑‍🏫 Екипът"), "info:team")
ABOUT = (N_("ℹ️ За центъра"), "info:about")
MY = (N_("🗓 Моите часове"), "my:list")

# What a free-text intent is called on a button when the bot asks which one was meant.
INTENT_LABELS: dict[str, str] = {
    "about": N_("ℹ️ За центъра"),
    "services": N_("📋 Услуги"),
    "psychologist": N_("🧩 Психолог"),
    "school": N_("🏫 Училище и поведение"),
    "team": N_("🧑‍🏫 Екипът"),
    "who": N_("👥 С кого работим"),
    "price": N_("💶 Цена"),
    "address": N_("📍 Адрес"),
    "phone": N_("☎️ Телефони"),
    "hours": N_("🕘 Работно време"),
    "when": N_("📅 Свободни часове"),
    "documents": N_("📎 Документи"),
    "referral": N_("📄 Направление"),
    "booking": N_("📅 Запазете час"),
    "my_bookings": N_("🗓 Моите часове"),
    "privacy": N_("🔒 Лични данни"),
    "cancel": N_("✖️ Отмяна на час"),
    "question": N_("❓ Въпрос"),
    "greeting": N_("👋 Поздрав"),
    "thanks": N_("🙏 Благодаря"),
}
INTENTS = frozenset(INTENT_LABELS)


@dataclass(frozen=True)
class Answer:
    """A text and the buttons that lead on from it (already translated)."""

    text: str
    buttons: list[Button] = field(default_factory=list)


def told_hours(db: Database) -> Hours | None:
    """The hours the bot may state: only those staff set (None while they are assumed)."""
    rules = rules_of(db)
    return rules.hours if rules.hours_set else None


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


def hours_unknown_text(content: Content) -> str:
    return _("Работното време ще Ви каже специалист на {phone}.").format(
        phone=content.contacts.main_phone.display
    )


def hours_text(content: Content, hours: Hours | None) -> str:
    """The working hours set by staff; the phone while they are not set (None or empty)."""
    lines = hours_lines(hours or {})
    if not lines:
        return hours_unknown_text(content)
    return _("Работно време:") + "\n" + "\n".join(lines)


def contacts_text(content: Content, hours: Hours | None = None) -> str:
    """Name, address, phones, e-mail and the working hours (or who will tell them)."""
    contacts = content.contacts
    lines = [
        _(content.centre.name),
        _("📍 Адрес: {address}").format(address=_(contacts.address)),
        *phone_lines(content),
    ]
    if contacts.email:
        lines.append(f"✉️ {contacts.email}")
    lines.append("")
    hour_lines = hours_lines(hours or {})
    if hour_lines:
        lines.append(_("🕘 Работно време:"))
        lines.extend(hour_lines)
    else:
        lines.append("🕘 " + hours_unknown_text(content))
    return "\n".join(lines)


# --- crisis -------------------------------------------------------------------------------------

_FIRST_LINES: dict[str, str] = {
    "suicide": N_(
        "🆘 Ако мислите да посегнете на живота си или някой е в опасност сега, "
        "обадете се на {emergency} — безплатно, денонощно."
    ),
    "sexual": N_(
        "🆘 Ако Вие или дете сте в опасност сега, обадете се на {emergency} — "
        "безплатно, денонощно."
    ),
    "missing": N_("🆘 При изчезнало дете се обадете веднага на {emergency}."),
    "violence": N_(
        "🆘 Ако Вие или дете сте в опасност сега, обадете се на {emergency} — "
        "безплатно, денонощно."
    ),
    "danger": N_(
        "🆘 При опасност за живота или здравето се обадете веднага на {emergency} "
        "(безплатно, денонощно)."
    ),
}
_CARE: dict[str, str] = {
    "suicide": N_("Не сте сами. Поговорете с някого още сега — по телефона или лично."),
    "missing": N_("Не чакайте: обадете се веднага, дори да не сте сигурни."),
}
_CARE_DEFAULT = N_("Не сте сами и не сте виновни.")


def crisis_text(
    content: Content,
    categories: Sequence[str] = ("danger",),
    *,
    home: bool = False,
) -> str:
    """Numbers first (the category's own first line), one sentence of care, the centre.

    116 111 is always there (children, and anyone worried about a child); 116 000 for a
    missing child; 0800 11 977 for violence at home.
    """
    lines = content.help_lines
    first = categories[0] if categories else "danger"
    text = [_(_FIRST_LINES.get(first, _FIRST_LINES["danger"])).format(emergency=lines.emergency)]
    if "missing" in categories and lines.missing_children and lines.missing_children_name:
        text.append(
            _("☎️ {number} — {name}.").format(
                number=lines.missing_children, name=_(lines.missing_children_name)
            )
        )
    text.append(
        _("☎️ {children} — {children_name}: безплатно, денонощно и анонимно.").format(
            children=lines.children, children_name=_(lines.children_name)
        )
    )
    at_home = home and {"violence", "sexual", "danger"} & set(categories)
    if at_home and lines.domestic_violence and lines.domestic_violence_name:
        text.append(
            _("☎️ {number} — {name}.").format(
                number=lines.domestic_violence, name=_(lines.domestic_violence_name)
            )
        )
    care = _(_CARE.get(first, _CARE_DEFAULT))
    text.append("")
    text.append(care + " " + _("Специалистите на центъра също могат да помогнат:"))
    text.extend(phone_lines(content))
    return "\n".join(text)


def crisis_for(content: Content, reading: Reading) -> str:
    """The crisis answer for what the message says."""
    return crisis_text(content, reading.crisis or ("danger",), home=reading.home)


def topic_answer(content: Content, reading: Reading) -> Answer | None:
    """After the numbers, to a message that asks: what the centre does about the topic."""
    if not reading.asks:
        return None
    topic = next((c for c in reading.crisis if c in content.crisis_topics), None)
    if topic is None:
        return None
    text = _("Ако питате за услугите ни: {answer}").format(answer=_(content.crisis_topics[topic]))
    return Answer(text, [_tr(SERVICES), _tr(BOOK)])


def numbers_line(content: Content) -> str:
    """The numbers in one line, added to an everyday answer that touched a crisis word."""
    lines = content.help_lines
    return _("При опасност: {emergency}; за деца: {children}.").format(
        emergency=lines.emergency, children=lines.children
    )


def not_understood_text(content: Content, *, doubt: bool = False, offer: str | None = None) -> str:
    """Kind, with what to do next; always ends with the emergency number in one line.

    `doubt`: the message held a crisis-looking word; the line names 116 111 as well.
    `offer`: one more thing to do, after the first sentence (asking a specialist).
    """
    head = _(
        "Не успях да разбера съобщението. Изберете от менюто или се обадете на {phone}."
    ).format(phone=content.contacts.main_phone.display)
    if offer:
        head += "\n" + offer
    if doubt:
        return head + "\n\n" + numbers_line(content)
    return (
        head
        + "\n\n"
        + _("При опасност: {emergency}").format(emergency=content.help_lines.emergency)
    )


# --- free-text intents ---------------------------------------------------------------------------


def _tr(button: Button) -> Button:
    return (_(button[0]), button[1])


@dataclass(frozen=True)
class Facts:
    """What an answer may need besides the content file (read by the flow, passed in)."""

    hours: Hours | None = None  # the hours staff set; None while they are assumed
    free: Sequence[datetime] = ()  # the next free slot starts (UTC)
    tz: ZoneInfo | None = None
    now: datetime | None = None


def faq_answer(key: str, content: Content, facts: Facts | None = None) -> Answer:
    """The short answer for one intent; facts come from the content file and the rules."""
    facts = facts or Facts()
    phone = content.contacts.main_phone.display
    answers = content.answers
    if key == "greeting":
        return Answer(
            _("Здравейте! Изберете от менюто или напишете въпроса си — ще се опитам да помогна.")
        )
    if key == "thanks":
        return Answer(_("Моля! Ако имате още въпроси, пишете ми."))
    if key == "question":
        return Answer(
            _("Питайте — ще се опитам да отговоря. Специалистите отговарят и на {phone}.").format(
                phone=phone
            )
        )
    if key == "about":
        text = _(answers["about"]) if "about" in answers else _(content.centre.name)
        return Answer(text, [_tr(ABOUT), _tr(SERVICES)])
    if key == "services":
        return Answer(_services_summary(content), [_tr(SERVICES)])
    if key in ("psychologist", "school") and key in answers:
        return Answer(_(answers[key]).format(phone=phone), [_tr(BOOK), _tr(SERVICES)])
    if key == "team":
        text = _(answers["team"]) if "team" in answers else _(content.team.summary)
        director = [p for p in content.contacts.phones if not p.main]
        lines = [text, *(f"☎️ {_(p.label)}: {p.display}" for p in director)]
        return Answer("\n".join(lines), [_tr(TEAM)])
    if key in ("address", "phone"):
        return Answer(contacts_text(content, facts.hours), [_tr(BOOK)])
    if key == "hours":
        return Answer(hours_text(content, facts.hours), [_tr(BOOK)])
    if key == "when":
        return Answer(_when_text(content, facts), [_tr(BOOK)])
    if key == "price":
        if content.centre.services_free:
            return Answer(_("Услугите в центъра са безплатни."), [_tr(BOOK)])
        return Answer(_("За цената попитайте на {phone}.").format(phone=phone))
    if key == "referral":
        return Answer(
            _(
                "За консултация не е нужно направление. За специализираните услуги е нужно "
                "направление или предварителна оценка от Дирекция „Социално подпомагане“ (ДСП)."
            ),
            [_tr(REFERRAL)],
        )
    if key == "who":
        lines = [_("Кой може да ползва услугите:")]
        lines += [
            f"• {_(group.title)}: {_(group.services[0].who_for)}"
            for group in content.service_groups
            if group.services[0].who_for
        ]
        return Answer("\n".join(lines), [_tr(GROUPS)])
    if key == "documents":
        if content.referral.documents:
            return Answer(_(content.referral.documents))
        return Answer(_("Какво да носите, ще Ви каже специалист на {phone}.").format(phone=phone))
    if key == "booking":
        return Answer(
            _("Можете да запазите час за консултация — за нея не е нужно направление."),
            [_tr(BOOK)],
        )
    if key == "my_bookings":
        return Answer(_("Запазените си часове виждате в „Моите часове“."), [_tr(MY)])
    if key == "cancel":
        return Answer(_("Час отменяте от „Моите часове“: изберете часа и „Отменям“."), [_tr(MY)])
    if key == "privacy":
        return Answer(
            _(
                "Пазим само името за обръщение и телефона — с Вашето съгласие. "
                "Какво пазим: /mydata; изтриване: /forget; подробно: /privacy."
            )
        )
    return Answer(not_understood_text(content))


def _services_summary(content: Content) -> str:
    lines = [_("Услугите в центъра:")]
    for group in content.service_groups:
        names = ", ".join(_(s.title) for s in group.services)
        lines.append(f"• {_(group.title)}: {names}")
    if content.centre.services_free:
        lines.append(_("Всички услуги са безплатни."))
    return "\n".join(lines)


def _when_text(content: Content, facts: Facts) -> str:
    phone = content.contacts.main_phone.display
    if not facts.free or facts.tz is None:
        return _("Свободен час ще Ви каже специалист на {phone}.").format(phone=phone)
    times = "\n".join(f"• {format_when(start, facts.tz, facts.now)}" for start in facts.free)
    return (
        _("Най-близките свободни часове:")
        + "\n"
        + times
        + "\n"
        + _("Можете да запазите час тук; центърът ще го потвърди.")
    )


def compose(content: Content, keys: Sequence[str], facts: Facts | None = None) -> Answer:
    """Several intents in one message: one answer each, buttons without repeats."""
    greet = "greeting" in keys and len(keys) > 1
    if greet:  # "здравейте, колко струва": one word of greeting, then the answer
        keys = [k for k in keys if k != "greeting"]
    parts: list[str] = []
    buttons: list[Button] = []
    seen_texts: set[str] = set()
    for key in keys:
        answer = faq_answer(key, content, facts)
        if answer.text not in seen_texts:
            parts.append(answer.text)
            seen_texts.add(answer.text)
        buttons += [b for b in answer.buttons if b not in buttons]
    text = "\n\n".join(parts)
    if greet:
        text = _("Здравейте!") + "\n\n" + text
    return Answer(text, buttons[:3])


def choices_text() -> str:
    return _("Какво точно Ви интересува?")


def choice_buttons(keys: Sequence[str]) -> list[Button]:
    """Two or three intents read equally well: the parent picks (callback `faq:<intent>`)."""
    return [(_(INTENT_LABELS[k]), f"faq:{k}") for k in keys if k in INTENT_LABELS]
