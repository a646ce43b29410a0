"""Free places for staff's "Друг час": the opening rules cut into slots, minus taken ones.

A small query of its own so staff proposals do not wait for the parents' booking work;
the capacity check at acceptance runs under a slot lock like every booking.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import text
from sqlmodel import Session, col, select

from storage.models import ACTIVE_STATUSES, Appointment
from storage.rules import OpeningRules, closed_days, load_rules


@cache
def _bg_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("BG", years=year, language="bg")


def is_public_holiday(day: date) -> bool:
    return day in _bg_holidays(day.year)


def day_starts(day: date, rules: OpeningRules, tz: ZoneInfo) -> list[datetime]:
    """Every slot start of one day (aware, in `tz`), whatever is booked."""
    starts: list[datetime] = []
    step = timedelta(minutes=rules.slot_minutes)
    for opens, closes in rules.hours.get(day.weekday(), ()):
        at = datetime.combine(day, opens, tzinfo=tz)
        end = datetime.combine(day, closes, tzinfo=tz)
        while at + step <= end:
            starts.append(at)
            at = at + step
    return starts


def taken(session: Session, start: datetime, end: datetime, exclude: int | None = None) -> Counter:
    """Active appointments per start time in [start, end)."""
    query = select(Appointment.start).where(
        Appointment.start >= start,
        Appointment.start < end,
        col(Appointment.status).in_(ACTIVE_STATUSES),
    )
    if exclude is not None:
        query = query.where(Appointment.id != exclude)
    return Counter(session.exec(query))


def free_slots(
    session: Session,
    *,
    now: datetime,
    tz: ZoneInfo,
    exclude: int | None = None,
    limit: int = 40,
) -> list[datetime]:
    """Bookable, not full slot starts from now on (lead time and horizon respected), UTC."""
    rules = load_rules(session)
    local_now = now.astimezone(tz)
    first = local_now.date()
    last = first + timedelta(days=rules.horizon_days)
    closed = closed_days(session, first, last)
    earliest = now + timedelta(minutes=rules.min_lead_minutes)
    window_end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    counts = taken(session, now, window_end, exclude)
    result: list[datetime] = []
    day = first
    while day <= last and len(result) < limit:
        if day not in closed and not is_public_holiday(day):
            for start in day_starts(day, rules, tz):
                if start < earliest:
                    continue
                utc_start = start.astimezone(UTC)
                if counts.get(utc_start, 0) < rules.places_per_slot:
                    result.append(utc_start)
                    if len(result) >= limit:
                        break
        day += timedelta(days=1)
    return result


def lock_slot(session: Session, start: datetime) -> None:
    """Serialise one slot's capacity check on PostgreSQL (SQLite: BEGIN IMMEDIATE).

    Same key as the parents' booking (storage.booking.lock_slot): the start in Unix seconds.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int(start.timestamp())
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def lock_parent(session: Session, telegram_user_id: int) -> None:
    """Serialise one parent's writes on PostgreSQL (same key as storage.parents.lock_parent)."""
    if session.get_bind().dialect.name == "postgresql":
        key = -telegram_user_id - 1
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def has_room(
    session: Session, start: datetime, *, tz: ZoneInfo, exclude: int | None = None
) -> bool:
    """Is `start` a slot of an open day with a free place (checked under the slot lock)?"""
    rules = load_rules(session)
    local = start.astimezone(tz)
    if is_public_holiday(local.date()) or closed_days(session, local.date(), local.date()):
        return False
    if local not in day_starts(local.date(), rules, tz):
        return False
    end = start + timedelta(minutes=rules.slot_minutes)
    return taken(session, start, end, exclude).get(start, 0) < rules.places_per_slot
