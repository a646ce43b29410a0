"""Editing the whole week of opening hours at once (the web desk's Работно время).

A draft is checked as a whole, and every problem is named beside its field in plain
Bulgarian: an interval that ends before it starts, intervals that overlap (which ones), a
slot longer than its interval, numbers out of range. Before saving, the draft shows the
next week's slots and the future bookings it would leave outside the hours; saving records
who and when in the audit trail and marks the hours as set by the centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import combinations

from sqlmodel import delete

from admin import staff as staff_service
from admin.appointments import AppointmentView, active_on, view_of
from bot.i18n import _, format_clock
from bot.services import Services
from storage import appointments as repo
from storage import slots as slot_rules
from storage import waitlist
from storage.clock import utcnow
from storage.models import BookingRules, OpeningHours, StaffRole
from storage.rules import OpeningRules, load_rules, read_rules

Span = tuple[time, time]
LIMITS = {
    "slot_minutes": (5, 480),
    "places": (1, 50),
    "lead_minutes": (0, 7 * 24 * 60),
    "horizon_days": (1, 365),
}


@dataclass
class HoursDraft:
    """The whole week as typed: weekday -> intervals, and the four numbers."""

    week: dict[int, list[Span]] = field(default_factory=dict)
    slot_minutes: int = 60
    places: int = 1
    lead_minutes: int = 120
    horizon_days: int = 21

    @classmethod
    def of(cls, rules: OpeningRules) -> HoursDraft:
        return cls(
            week={day: list(spans) for day, spans in rules.hours.items()},
            slot_minutes=rules.slot_minutes,
            places=rules.places_per_slot,
            lead_minutes=rules.min_lead_minutes,
            horizon_days=rules.horizon_days,
        )

    def rules(self) -> OpeningRules:
        return OpeningRules(
            hours={day: tuple(sorted(spans)) for day, spans in self.week.items() if spans},
            slot_minutes=self.slot_minutes,
            places_per_slot=self.places,
            min_lead_minutes=self.lead_minutes,
            horizon_days=self.horizon_days,
        )


def _span_text(span: Span) -> str:
    return f"{format_clock(span[0])}–{format_clock(span[1])}"


def check(draft: HoursDraft) -> dict[str, str]:
    """Problems by field name ("day0", "slot_minutes" …); empty when the draft is good."""
    errors: dict[str, str] = {}
    for name, (low, high) in LIMITS.items():
        value = getattr(draft, name)
        if not low <= value <= high:
            errors[name] = _("Въведете число от {low} до {high}.").format(low=low, high=high)
    step = timedelta(minutes=draft.slot_minutes)
    for weekday, spans in draft.week.items():
        key = f"day{weekday}"
        for opens, closes in spans:
            if closes <= opens:
                errors[key] = _("Интервалът {span} свършва преди да започне.").format(
                    span=_span_text((opens, closes))
                )
                break
            length = datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
            if "slot_minutes" not in errors and length < step:
                errors[key] = _(
                    "Интервалът {span} е по-кратък от един час за записване ({n} мин)."
                ).format(span=_span_text((opens, closes)), n=draft.slot_minutes)
                break
        if key in errors:
            continue
        for first, second in combinations(sorted(spans), 2):
            if second[0] < first[1]:
                errors[key] = _("Интервалите {a} и {b} се застъпват.").format(
                    a=_span_text(first), b=_span_text(second)
                )
                break
    return errors


def preview(services: Services, draft: HoursDraft, days: int = 7) -> list[tuple[date, list[time]]]:
    """The slots of the next `days` days under the draft (holidays and closed days shown
    as no slots; bookings not counted: it is what the hours offer)."""
    tz = services.settings.tz
    rules = draft.rules()
    today = services.local_now().date()
    out: list[tuple[date, list[time]]] = []
    for offset in range(1, days + 1):
        day = today + timedelta(days=offset)
        starts = [] if slot_rules.holiday(day) else slot_rules.slot_times(rules, day, tz)
        out.append((day, [s.astimezone(tz).time() for s, _e in starts]))
    return out


def outside(services: Services, draft: HoursDraft) -> list[AppointmentView]:
    """Future pending or confirmed appointments that would not sit on a slot any more."""
    tz = services.settings.tz
    rules = draft.rules()
    now = utcnow()
    with services.db.read() as session:
        future = active_on(session, now, now + timedelta(days=400))
        hit = [
            a
            for a in future
            if a.start
            not in {s for s, _e in slot_rules.slot_times(rules, a.start.astimezone(tz).date(), tz)}
        ]
        return [view_of(session, a) for a in hit]


def save(services: Services, *, staff_user_id: int, draft: HoursDraft) -> OpeningRules:
    """Admin: replace the whole week and the numbers; audited with who and when."""
    if check(draft):
        raise ValueError("the draft has errors")
    now = utcnow()
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id, StaffRole.admin)
        before = read_rules(session)
        session.exec(delete(OpeningHours))  # type: ignore[call-overload]
        for weekday, spans in sorted(draft.week.items()):
            for opens, closes in sorted(spans):
                session.add(OpeningHours(weekday=weekday, opens=opens, closes=closes))
        row = session.get(BookingRules, 1) or BookingRules(id=1)
        row.slot_minutes = draft.slot_minutes
        row.places_per_slot = draft.places
        row.min_lead_minutes = draft.lead_minutes
        row.horizon_days = draft.horizon_days
        row.hours_set = True  # set by the centre: the bot now states them as fact
        session.add(row)
        session.flush()
        # Wider hours: new places go to the waiting list first (as admin.hours.set_hours).
        waitlist.offer_free_places(session, now=now, policy=services.reminder_policy)
        after = load_rules(session)
        repo.audit(
            session,
            appointment_id=None,
            actor=member.actor,
            action="hours",
            detail=f"{_summary(before)} -> {_summary(after)}",
            now=now,
        )
        return after


def _summary(rules: OpeningRules) -> str:
    """A short, language-free record of the rules for the audit trail."""
    days = ";".join(
        f"{day}:" + ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in spans)
        for day, spans in sorted(rules.hours.items())
    )
    return (
        f"[{days}] slot={rules.slot_minutes} places={rules.places_per_slot} "
        f"lead={rules.min_lead_minutes} horizon={rules.horizon_days}"
    )
