"""Monthly numbers for the centre's reporting: bookings, outcomes, topics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import select

from admin import staff as staff_service
from admin.lists import day_bounds
from bot.services import Services
from storage.models import Appointment
from storage.models import AppointmentStatus as S


@dataclass(frozen=True)
class MonthStats:
    month: date  # first day
    bookings: int = 0
    confirmed: int = 0  # ever confirmed: confirmed, attended or no-show
    attended: int = 0
    no_shows: int = 0
    cancelled: int = 0  # by the parent or by staff
    declined: int = 0
    pending: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)


def parse_month(value: str) -> date:
    """`2026-11` -> 1 November 2026."""
    year, month = value.strip().split("-")
    return date(int(year), int(month), 1)


def month_last_day(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_stats(services: Services, *, staff_user_id: int, month: date) -> MonthStats:
    """Counts for appointments whose time falls in `month` (centre's wall clock)."""
    first = month.replace(day=1)
    start, end = day_bounds(first, month_last_day(first), services.settings.tz)
    with services.db.read() as session:
        staff_service.require(session, staff_user_id)
        rows = list(
            session.exec(
                select(Appointment.status, Appointment.topic).where(
                    Appointment.start >= start, Appointment.start < end
                )
            )
        )
    statuses = Counter(status for status, _ in rows)
    return MonthStats(
        month=first,
        bookings=len(rows),
        confirmed=statuses[S.confirmed] + statuses[S.attended] + statuses[S.no_show],
        attended=statuses[S.attended],
        no_shows=statuses[S.no_show],
        cancelled=statuses[S.cancelled_by_parent] + statuses[S.cancelled_by_staff],
        declined=statuses[S.declined],
        pending=statuses[S.pending],
        by_topic=dict(Counter(topic for _, topic in rows).most_common()),
    )
