"""Free slots: weekly hours, lead time, horizon, closed days, public holidays and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage import slots
from storage.db import Database
from storage.models import Appointment, BookingRules, ClosedDay

TZ = ZoneInfo("Europe/Sofia")


def at(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    """A moment on the centre's wall clock, as aware UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(UTC)


MONDAY = at(2026, 11, 23)  # Monday 23 November 2026, 08:00 in Sofia


def local_times(found: list[slots.Slot]) -> list[str]:
    return [s.start.astimezone(TZ).strftime("%H:%M") for s in found]


def test_default_hours_cut_into_hourly_slots(db: Database) -> None:
    with db.session() as session:
        found = slots.free_slots(session, TZ, date(2026, 11, 24), MONDAY)
    assert local_times(found) == ["09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00"]
    assert all(s.places_left == 1 and s.end - s.start == timedelta(hours=1) for s in found)
    assert all(s.start.tzinfo is not None and s.start.utcoffset() == timedelta(0) for s in found)


def test_lead_time_hides_slots_too_soon(db: Database) -> None:
    with db.session() as session:
        today = slots.free_slots(session, TZ, date(2026, 11, 23), at(2026, 11, 23, 10, 30))
        past = slots.free_slots(session, TZ, date(2026, 11, 20), MONDAY)
    assert local_times(today) == ["13:00", "14:00", "15:00", "16:00"]  # 11:00 is too soon
    assert past == []


def test_horizon_and_weekends(db: Database) -> None:
    with db.session() as session:
        days = slots.days_with_free_places(session, TZ, MONDAY)
    assert days[0] == date(2026, 11, 23)
    assert days[-1] == date(2026, 12, 14)  # 21 days ahead
    assert all(d.weekday() < 5 for d in days)
    assert date(2026, 11, 28) not in days and date(2026, 11, 29) not in days


def test_christmas_eve_and_transferred_holidays_never_offered(db: Database) -> None:
    with db.session() as session:
        days = slots.days_with_free_places(session, TZ, at(2026, 12, 21))
    assert date(2026, 12, 23) in days
    for holiday in (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 28)):
        assert holiday not in days
        assert slots.holiday(holiday)
    assert date(2026, 12, 29) in days


def test_liberation_day_3_march(db: Database) -> None:
    with db.session() as session:
        days = slots.days_with_free_places(session, TZ, at(2027, 2, 26))
    assert date(2027, 3, 3) not in days
    assert date(2027, 3, 2) in days and date(2027, 3, 4) in days


def test_orthodox_easter_monday_2027(db: Database) -> None:
    assert slots.holiday(date(2027, 5, 3)) == "Великден"
    with db.session() as session:
        days = slots.days_with_free_places(session, TZ, at(2027, 4, 26))
    # Good Friday 30 April, Easter Monday 3 May, 1 May moved to Tuesday 4 May, 6 May.
    for holiday in (date(2027, 4, 30), date(2027, 5, 3), date(2027, 5, 4), date(2027, 5, 6)):
        assert holiday not in days
    assert date(2027, 5, 5) in days and date(2027, 5, 7) in days


def test_closed_day_never_offered(db: Database) -> None:
    with db.session() as session:
        session.add(ClosedDay(day=date(2026, 11, 25), reason="обучение"))
    with db.session() as session:
        days = slots.days_with_free_places(session, TZ, MONDAY)
        assert slots.free_slots(session, TZ, date(2026, 11, 25), MONDAY) == []
    assert date(2026, 11, 25) not in days
    assert date(2026, 11, 24) in days


@pytest.mark.parametrize(
    ("now", "before", "after"),
    [
        (at(2026, 3, 23), date(2026, 3, 27), date(2026, 3, 30)),  # EET -> EEST on 29 March
        (at(2026, 10, 19), date(2026, 10, 23), date(2026, 10, 26)),  # EEST -> EET on 25 Oct
    ],
)
def test_dst_weeks_keep_the_wall_clock(
    db: Database, now: datetime, before: date, after: date
) -> None:
    with db.session() as session:
        first = slots.free_slots(session, TZ, before, now)
        second = slots.free_slots(session, TZ, after, now)
    assert local_times(first) == local_times(second) == [
        "09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00",
    ]  # fmt: skip
    # The same 09:00 is a different UTC hour on each side of the change.
    assert first[0].start.hour != second[0].start.hour
    assert all(s.end - s.start == timedelta(hours=1) for s in first + second)


def test_full_slot_and_full_day_hidden(db: Database) -> None:
    day = date(2026, 11, 24)
    with db.session() as session:
        every = slots.free_slots(session, TZ, day, MONDAY)
        for i, s in enumerate(every):
            session.add(Appointment(topic="other", start=s.start, end=s.end, request_key=f"k{i}"))
    with db.session() as session:
        assert slots.free_slots(session, TZ, day, MONDAY) == []
        assert day not in slots.days_with_free_places(session, TZ, MONDAY)
        # Cancelled bookings free their place again.
        cancelled = session.get(Appointment, 1)
        assert cancelled is not None
        cancelled.status = "cancelled_by_parent"
        session.add(cancelled)
    with db.session() as session:
        assert len(slots.free_slots(session, TZ, day, MONDAY)) == 1


def test_two_places_per_slot(db: Database) -> None:
    day = date(2026, 11, 24)
    with db.session() as session:
        rules = session.get(BookingRules, 1)
        assert rules is not None
        rules.places_per_slot = 2
        session.add(rules)
    with db.session() as session:
        first = slots.free_slots(session, TZ, day, MONDAY)[0]
        session.add(Appointment(topic="other", start=first.start, end=first.end))
    with db.session() as session:
        assert slots.free_slots(session, TZ, day, MONDAY)[0].places_left == 1


def test_nearest_free(db: Database) -> None:
    wanted = at(2026, 11, 24, 10)
    with db.session() as session:
        near = slots.nearest_free(session, TZ, MONDAY, wanted, limit=3)
    assert [s.start for s in near] == [at(2026, 11, 24, 9), wanted, at(2026, 11, 24, 11)]


# The 100,000-appointment timing lives in bench/bench_availability.py (no timed tests).
