"""Opening rules: weekly hours with breaks, slot size, places, lead time, horizon, closed days.

Weekly rules are set with `cop-admin hours set`; closed days also from Telegram
(/close, /open). Places that open up go to the waiting list first (`storage.waitlist`; a
change from the shell is picked up by the bot's waiting-list job). Closing a day lists the
appointments it hits; notifying their parents cancels those appointments by staff, with the
closure's reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, delete, select

from admin import notices
from admin import staff as staff_service
from admin.appointments import AppointmentView, _settle, active_on, view_of
from admin.lists import day_bounds
from bot.services import Services
from storage import appointments as repo
from storage import waitlist
from storage.clock import utcnow
from storage.db import Database
from storage.models import AppointmentStatus as S
from storage.models import BookingRules, ClosedDay, OpeningHours, StaffRole
from storage.reminders import ReminderPolicy
from storage.rules import OpeningRules, closed_days, load_rules, mark_hours_set
from storage.slots import slot_times

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Hours:
    rules: OpeningRules
    closed: dict[date, str | None]


def parse_days(value: str) -> list[int]:
    """`mon`, `mon,wed`, `mon-fri`, `all` -> weekday numbers (0 = Monday)."""
    days: list[int] = []
    for part in value.lower().replace(" ", "").split(","):
        if part == "all":
            days.extend(range(7))
        elif "-" in part:
            first, last = (WEEKDAYS.index(p[:3]) for p in part.split("-", 1))
            days.extend(range(first, last + 1))
        elif part[:3] in WEEKDAYS:
            days.append(WEEKDAYS.index(part[:3]))
        else:
            raise ValueError(f"unknown day: {part!r} (mon … sun, mon-fri, all)")
    return sorted(set(days))


def parse_span(value: str) -> tuple[time, time]:
    """`09:00-12:00` -> (09:00, 12:00); the end must be after the start."""
    try:
        left, right = value.replace(" ", "").split("-")
        opens, closes = time.fromisoformat(left), time.fromisoformat(right)
    except ValueError as exc:
        raise ValueError(f"bad interval: {value!r} (HH:MM-HH:MM)") from exc
    if closes <= opens:
        raise ValueError(f"bad interval: {value!r} ends before it starts")
    return opens, closes


def _check_spans(spans: list[tuple[time, time]]) -> list[tuple[time, time]]:
    ordered = sorted(spans)
    for (_, closes), (opens, _) in pairwise(ordered):
        if opens < closes:
            raise ValueError("intervals overlap")
    return ordered


def show(db: Database, *, days_ahead: int = 60) -> Hours:
    """The rules and the closed days from today on."""
    with db.session() as session:
        today = utcnow().date()
        return Hours(
            rules=load_rules(session),
            closed=closed_days(
                session, today - timedelta(days=1), today + timedelta(days=days_ahead), live=True
            ),
        )


def set_hours(
    db: Database,
    *,
    policy: ReminderPolicy | None = None,
    days: list[int],
    spans: list[tuple[time, time]] | None = None,
    slot_minutes: int | None = None,
    places: int | None = None,
    lead_minutes: int | None = None,
    horizon_days: int | None = None,
) -> OpeningRules:
    """Replace the hours of `days` (no spans = closed) and change the given numbers.

    Every call marks the hours as set by the centre (`BookingRules.hours_set`).
    """
    for name, number in (
        ("slot minutes", slot_minutes),
        ("places", places),
        ("horizon days", horizon_days),
    ):
        if number is not None and number < 1:
            raise ValueError(f"{name} must be at least 1")
    if lead_minutes is not None and lead_minutes < 0:
        raise ValueError("lead minutes must not be negative")
    with db.session() as session:
        if spans is not None:
            ordered = _check_spans(spans)
            for weekday in days:
                session.exec(delete(OpeningHours).where(col(OpeningHours.weekday) == weekday))  # type: ignore[call-overload]
                for opens, closes in ordered:
                    session.add(OpeningHours(weekday=weekday, opens=opens, closes=closes))
        rules = session.get(BookingRules, 1) or BookingRules(id=1)
        if slot_minutes is not None:
            rules.slot_minutes = slot_minutes
        if places is not None:
            rules.places_per_slot = places
        if lead_minutes is not None:
            rules.min_lead_minutes = lead_minutes
        if horizon_days is not None:
            rules.horizon_days = horizon_days
        rules.hours_set = True  # any way of setting the rules confirms the hours
        session.add(rules)
        session.flush()
        if policy is not None:  # wider hours: new places go to the waiting list first
            waitlist.offer_free_places(session, now=utcnow(), policy=policy)
        return load_rules(session)


def confirm_hours(db: Database) -> OpeningRules:
    """Staff confirm the hours as they stand (e.g. the web desk's "these are right")."""
    with db.session() as session:
        mark_hours_set(session)
        session.flush()
        return load_rules(session)


def _close(session: Session, day: date, reason: str | None, actor: str) -> None:
    row = session.exec(select(ClosedDay).where(ClosedDay.day == day)).first() or ClosedDay(day=day)
    row.reason = reason
    session.add(row)
    repo.audit(
        session,
        appointment_id=None,
        actor=actor,
        action="close",
        detail=f"{day.isoformat()} {reason or ''}".strip(),
        now=utcnow(),
    )


def _open(session: Session, day: date, actor: str) -> bool:
    row = session.exec(select(ClosedDay).where(ClosedDay.day == day)).first()
    if row is None:
        return False
    session.delete(row)
    repo.audit(
        session,
        appointment_id=None,
        actor=actor,
        action="open",
        detail=day.isoformat(),
        now=utcnow(),
    )
    return True


def close_day(
    services: Services, *, staff_user_id: int, day: date, reason: str | None
) -> list[AppointmentView]:
    """Admin: close a day; returns the active appointments the closure hits."""
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id, StaffRole.admin)
        _close(session, day, reason, member.actor)
        start, end = day_bounds(day, day, services.settings.tz)
        return [view_of(session, a) for a in active_on(session, start, end)]


def open_day(services: Services, *, staff_user_id: int, day: date) -> bool:
    """Admin: open a closed day again (its places go to the waiting list first)."""
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id, StaffRole.admin)
        opened = _open(session, day, member.actor)
        if opened:
            starts = [
                start for start, _end in slot_times(load_rules(session), day, services.settings.tz)
            ]
            waitlist.on_places_freed(
                session, starts, now=utcnow(), policy=services.reminder_policy
            )
        return opened


def cancel_for_closure(
    services: Services, *, staff_user_id: int, day: date, via: str | None = None
) -> list[AppointmentView]:
    """Admin: cancel every active appointment of a closed day, with the closure's reason."""
    now = utcnow()
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id, StaffRole.admin)
        row = session.exec(select(ClosedDay).where(ClosedDay.day == day)).first()
        if row is None:
            return []
        start, end = day_bounds(day, day, services.settings.tz)
        hit = active_on(session, start, end, lock=True)
        for appointment in hit:
            _settle(
                session, services, appointment, member, now, S.cancelled_by_staff, row.reason, via
            )
            assert appointment.id is not None
            if not notices.tell_parent(session, services, appointment.id, notices.cancelled_text):
                notices.refresh_cards(session, services, appointment.id)
        return [view_of(session, a) for a in hit]


def close_day_cli(db: Database, day: date, reason: str | None, tz: ZoneInfo) -> int:
    """Close a day from the shell; returns how many active appointments are on it."""
    with db.session() as session:
        _close(session, day, reason, "cli")
        start, end = day_bounds(day, day, tz)
        return len(active_on(session, start, end))


def open_day_cli(db: Database, day: date) -> bool:
    with db.session() as session:
        return _open(session, day, "cli")
