"""The centre's opening rules as one plain object: weekly hours, slot size, closed days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from sqlmodel import Session, select

from storage.models import BookingRules, ClosedDay, OpeningHours


@dataclass(frozen=True)
class OpeningRules:
    # weekday (0 = Monday) -> open intervals in time order; a missing weekday is closed.
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    slot_minutes: int = 60
    places_per_slot: int = 1
    min_lead_minutes: int = 120
    horizon_days: int = 21


def load_rules(session: Session) -> OpeningRules:
    rules = session.get(BookingRules, 1) or BookingRules(id=1)
    by_day: dict[int, list[tuple[time, time]]] = {}
    for row in session.exec(
        select(OpeningHours).order_by(OpeningHours.weekday, OpeningHours.opens)
    ):
        by_day.setdefault(row.weekday, []).append((row.opens, row.closes))
    return OpeningRules(
        hours={day: tuple(spans) for day, spans in by_day.items()},
        slot_minutes=rules.slot_minutes,
        places_per_slot=rules.places_per_slot,
        min_lead_minutes=rules.min_lead_minutes,
        horizon_days=rules.horizon_days,
    )


def closed_days(session: Session, start: date, end: date) -> dict[date, str | None]:
    """Closed days in [start, end] with their reasons (public holidays are separate)."""
    rows = session.exec(select(ClosedDay).where(ClosedDay.day >= start, ClosedDay.day <= end))
    return {row.day: row.reason for row in rows}
