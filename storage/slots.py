"""Free places: weekly hours cut into slots, minus closed days, public holidays and bookings.

Slots are computed on the centre's wall clock (so 09:00 stays 09:00 across a DST change)
and returned as aware UTC. One query counts the active bookings of the whole range.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, bindparam, func, union_all
from sqlmodel import Session, col, select

from storage import public_holidays
from storage.errors import SlotUnavailable
from storage.models import ACTIVE_STATUSES, Appointment, HoldState, WaitlistHold
from storage.rules import OpeningRules, closed_days, load_rules
from storage.types import UTCDateTime

# Appointments longer than this are not expected; it bounds the overlap query.
_LONGEST_APPOINTMENT = timedelta(days=1)


def is_active() -> ColumnElement[bool]:
    """Status holds a place. Written as `status || ''` so that SQLite's planner walks
    ix_appointment_start_status by time instead of every confirmed row of the past."""
    return (col(Appointment.status) + "").in_([str(s) for s in ACTIVE_STATUSES])


# Active bookings per booked (start, end) between two bounds: built once, because every
# list of free days and times runs it (building and keying it cost more than running it).
_TAKEN = (
    select(Appointment.start, Appointment.end, func.count())
    .where(
        col(Appointment.start) >= bindparam("lo", type_=UTCDateTime),
        col(Appointment.start) < bindparam("hi", type_=UTCDateTime),
        is_active(),
    )
    .group_by(col(Appointment.start), col(Appointment.end))
)
_TAKEN_EXCLUDING = _TAKEN.where(col(Appointment.id) != bindparam("exclude"))
# Places held for someone on the waiting list (storage.waitlist) are taken for everybody else:
# the same rows, in the same round trip.
_HELD = (
    select(WaitlistHold.start, WaitlistHold.end, func.count())
    .where(
        col(WaitlistHold.state) == HoldState.held,
        col(WaitlistHold.start) >= bindparam("lo", type_=UTCDateTime),
        col(WaitlistHold.start) < bindparam("hi", type_=UTCDateTime),
    )
    .group_by(col(WaitlistHold.start), col(WaitlistHold.end))
)
_TAKEN_OR_HELD = union_all(_TAKEN, _HELD)
_TAKEN_EXCLUDING_OR_HELD = union_all(_TAKEN_EXCLUDING, _HELD)


@dataclass(frozen=True)
class Slot:
    """One bookable time: start and end as aware UTC, and how many places are still free."""

    start: datetime
    end: datetime
    places_left: int


def holiday(day: date) -> str | None:
    """The Bulgarian public holiday's name on `day`, None on a working day.

    The `holidays` package knows Orthodox Easter, the weekend-transfer rule and one-off
    days; `storage.public_holidays` says why it runs in a child process."""
    return public_holidays.holiday(day)


Pairs = tuple[tuple[datetime, datetime], ...]


def slot_times(rules: OpeningRules, day: date, tz: ZoneInfo) -> Pairs:
    """Every slot of `day` by the weekly hours as UTC pairs (holidays not considered)."""
    return _slot_times(rules.week, rules.slot_minutes, day, tz)


@lru_cache(maxsize=1024)
def _slot_times(
    hours: tuple[tuple[int, tuple[tuple[time, time], ...]], ...],
    slot_minutes: int,
    day: date,
    tz: ZoneInfo,
) -> Pairs:
    # Every list of free days walks three weeks of these: worked out once per day and rules.
    step = timedelta(minutes=slot_minutes)
    out: list[tuple[datetime, datetime]] = []
    if step <= timedelta(0):
        return ()
    for opens, closes in dict(hours).get(day.weekday(), ()):
        # Wall-clock arithmetic first, conversion last: DST never shifts a slot.
        cursor = datetime.combine(day, opens)
        until = datetime.combine(day, closes)
        while cursor + step <= until:
            out.append(
                (
                    cursor.replace(tzinfo=tz).astimezone(UTC),
                    (cursor + step).replace(tzinfo=tz).astimezone(UTC),
                )
            )
            cursor += step
    return tuple(out)


def bookable_days(rules: OpeningRules, tz: ZoneInfo, now: datetime) -> tuple[date, date]:
    """First and last local day a parent may book (today … today + horizon)."""
    today = now.astimezone(tz).date()
    return today, today + timedelta(days=rules.horizon_days)


def earliest_start(rules: OpeningRules, now: datetime) -> datetime:
    return now + timedelta(minutes=rules.min_lead_minutes)


def _candidates(
    session: Session,
    rules: OpeningRules,
    tz: ZoneInfo,
    now: datetime,
    first: date,
    last: date,
    *,
    live: bool = False,
) -> list[tuple[datetime, datetime]]:
    today, horizon = bookable_days(rules, tz, now)
    first, last = max(first, today), min(last, horizon)
    if first > last:
        return []
    closed = closed_days(session, first, last, live=live)
    earliest = earliest_start(rules, now)
    out: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        if day not in closed and holiday(day) is None:
            out.extend(pair for pair in slot_times(rules, day, tz) if pair[0] >= earliest)
        day += timedelta(days=1)
    return out


def _taken(
    session: Session, pairs: list[tuple[datetime, datetime]], exclude_id: int | None = None
) -> list[int]:
    """Active bookings overlapping each of the (sorted, disjoint) slots, in one query.

    Bookings are counted per distinct (start, end) by the database: a row per booked slot,
    not per booking, however many places the slots have.
    """
    counts = [0] * len(pairs)
    if not pairs:
        return counts
    bounds = {"lo": pairs[0][0] - _LONGEST_APPOINTMENT, "hi": pairs[-1][1]}
    if exclude_id is None:
        rows = session.execute(_TAKEN_OR_HELD, bounds)
    else:
        rows = session.execute(_TAKEN_EXCLUDING_OR_HELD, {**bounds, "exclude": exclude_id})
    starts = [p[0] for p in pairs]
    for a_start, a_end, booked in rows:
        # Slots that start before the booking ends, walked back while they overlap it.
        index = bisect_left(starts, a_end) - 1
        while index >= 0 and pairs[index][1] > a_start:
            counts[index] += booked
            index -= 1
    return counts


def free_slots_between(
    session: Session,
    tz: ZoneInfo,
    now: datetime,
    first: date,
    last: date,
    *,
    rules: OpeningRules | None = None,
) -> dict[date, list[Slot]]:
    """Free slots per local day in [first, last], within lead time and horizon."""
    rules = rules or load_rules(session)
    pairs = _candidates(session, rules, tz, now, first, last)
    counts = _taken(session, pairs)
    out: dict[date, list[Slot]] = {}
    for (start, end), taken in zip(pairs, counts, strict=True):
        left = rules.places_per_slot - taken
        if left > 0:
            out.setdefault(start.astimezone(tz).date(), []).append(Slot(start, end, left))
    return out


def _horizon(session: Session, tz: ZoneInfo, now: datetime) -> dict[date, list[Slot]]:
    rules = load_rules(session)
    first, last = bookable_days(rules, tz, now)
    return free_slots_between(session, tz, now, first, last, rules=rules)


def days_with_free_places(
    session: Session, tz: ZoneInfo, now: datetime, *, first: date | None = None
) -> list[date]:
    """Local days (from `first`, within the horizon) that still have a free place."""
    return [d for d in sorted(_horizon(session, tz, now)) if first is None or d >= first]


def free_slots(session: Session, tz: ZoneInfo, day: date, now: datetime) -> list[Slot]:
    """Free slots of one local day (empty if closed, past, full or beyond the horizon)."""
    return free_slots_between(session, tz, now, day, day).get(day, [])


def nearest_free(
    session: Session, tz: ZoneInfo, now: datetime, around: datetime, *, limit: int = 3
) -> list[Slot]:
    """The free slots closest to `around` (to offer when the wanted one was taken), by time."""
    every = [s for slots in _horizon(session, tz, now).values() for s in slots]
    every.sort(key=lambda s: (abs((s.start - around).total_seconds()), s.start))
    return sorted(every[:limit], key=lambda s: s.start)


def slot_at(
    session: Session, tz: ZoneInfo, start: datetime, now: datetime
) -> tuple[OpeningRules, datetime, datetime]:
    """The slot beginning at `start`, or SlotUnavailable (closed, holiday, lead, horizon)."""
    if start.tzinfo is None:
        raise SlotUnavailable("naive start")
    rules = load_rules(session)
    day = start.astimezone(tz).date()
    pairs = _candidates(session, rules, tz, now, day, day, live=True)
    wanted = start.astimezone(UTC)
    for slot_start, slot_end in pairs:
        if slot_start == wanted:
            return rules, slot_start, slot_end
    raise SlotUnavailable(wanted.isoformat())


def active_count(
    session: Session, start: datetime, end: datetime, *, exclude_id: int | None = None
) -> int:
    """Active bookings and held places overlapping [start, end) (the capacity check, locked)."""
    query = select(func.count()).where(
        Appointment.start < end,
        Appointment.end > start,
        Appointment.start >= start - _LONGEST_APPOINTMENT,
        is_active(),
    )
    if exclude_id is not None:
        query = query.where(Appointment.id != exclude_id)
    held = select(func.count()).where(
        WaitlistHold.state == HoldState.held,
        WaitlistHold.start < end,
        WaitlistHold.end > start,
        WaitlistHold.start >= start - _LONGEST_APPOINTMENT,
    )
    both = select(query.scalar_subquery() + held.scalar_subquery())  # one round trip
    return int(session.exec(both).one())
