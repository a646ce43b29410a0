"""The plan: day before at 18:00, two hours before, quiet hours, DST, collapse, skip."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from storage import reminders
from storage.appointments import transition
from storage.db import Database
from storage.models import Appointment, AppointmentStatus
from storage.reminders import ReminderKind, ReminderPolicy, planned_times
from tests.reminders.helpers import POLICY, SOFIA, confirmed, local, open_rows, rows

DAY_BEFORE = ReminderKind.day_before
HOURS_BEFORE = ReminderKind.hours_before


def wall(moments: list[tuple[ReminderKind, datetime]]) -> list[tuple[str, str]]:
    """(kind, "YYYY-MM-DD HH:MM +offset") on the Sofia wall clock, for readable asserts."""
    return [(k.value, m.astimezone(SOFIA).strftime("%Y-%m-%d %H:%M %z")) for k, m in moments]


WEEK_BEFORE = local(2026, 11, 16, 12)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 08:30: two hours before is 06:30, quiet; 08:00 (quiet end) is nearer than 20:59.
        (
            local(2026, 11, 24, 8, 30),
            [("day_before", "2026-11-23 18:00 +0200"), ("hours_before", "2026-11-24 08:00 +0200")],
        ),
        # 10:00: two hours before is 08:00, the first allowed minute.
        (
            local(2026, 11, 24, 10),
            [("day_before", "2026-11-23 18:00 +0200"), ("hours_before", "2026-11-24 08:00 +0200")],
        ),
        (
            local(2026, 11, 24, 16),
            [("day_before", "2026-11-23 18:00 +0200"), ("hours_before", "2026-11-24 14:00 +0200")],
        ),
        # Monday: the day-before reminder goes out on Sunday evening.
        (
            local(2026, 11, 30, 10),
            [("day_before", "2026-11-29 18:00 +0200"), ("hours_before", "2026-11-30 08:00 +0200")],
        ),
    ],
    ids=["08:30", "10:00", "16:00", "monday"],
)
def test_default_plan(start: datetime, expected: list[tuple[str, str]]) -> None:
    assert wall(planned_times(start, POLICY, WEEK_BEFORE)) == expected


def test_dst_autumn_25_october_2026() -> None:
    # Clocks go back on Sunday 25 Oct at 04:00 EEST -> 03:00 EET.
    start = local(2026, 10, 26, 10)
    plan = planned_times(start, POLICY, local(2026, 10, 19, 12))
    assert wall(plan) == [
        ("day_before", "2026-10-25 18:00 +0200"),
        ("hours_before", "2026-10-26 08:00 +0200"),
    ]
    assert [m for _, m in plan] == [
        datetime(2026, 10, 25, 16, 0, tzinfo=UTC),
        datetime(2026, 10, 26, 6, 0, tzinfo=UTC),
    ]
    # The day before the switch: Saturday 18:00 is still summer time.
    sunday = planned_times(local(2026, 10, 25, 16), POLICY, local(2026, 10, 19, 12))
    assert wall(sunday) == [
        ("day_before", "2026-10-24 18:00 +0300"),
        ("hours_before", "2026-10-25 14:00 +0200"),
    ]


def test_dst_spring_28_march_2027() -> None:
    # Clocks go forward on Sunday 28 Mar at 03:00 EET -> 04:00 EEST.
    start = local(2027, 3, 29, 10)
    plan = planned_times(start, POLICY, local(2027, 3, 22, 12))
    assert wall(plan) == [
        ("day_before", "2027-03-28 18:00 +0300"),
        ("hours_before", "2027-03-29 08:00 +0300"),
    ]
    assert [m for _, m in plan] == [
        datetime(2027, 3, 28, 15, 0, tzinfo=UTC),
        datetime(2027, 3, 29, 5, 0, tzinfo=UTC),
    ]


def test_hours_before_is_elapsed_time_across_the_switch() -> None:
    no_quiet = ReminderPolicy(tz=SOFIA, quiet_start=time(0, 0), quiet_end=time(0, 0))
    start = local(2026, 10, 25, 4, 30)  # 04:30 EET; 2 h earlier is 03:30 EEST (wall: 1 h)
    (_, day_before), (_, two_hours) = planned_times(start, no_quiet, local(2026, 10, 19, 12))
    assert start - two_hours == timedelta(hours=2)
    assert two_hours.astimezone(SOFIA).strftime("%H:%M %z") == "03:30 +0300"
    assert day_before.astimezone(SOFIA).strftime("%d %H:%M %z") == "24 18:00 +0300"


def test_spring_gap_wall_time_is_moved_forward() -> None:
    gap = ReminderPolicy(
        tz=SOFIA, day_before_at=time(3, 30), quiet_start=time(0, 0), quiet_end=time(0, 0)
    )
    plan = planned_times(local(2027, 3, 29, 10), gap, local(2027, 3, 22, 12))
    # 03:30 does not exist on 28 March 2027; it is read as 04:30 EEST.
    assert wall(plan)[0] == ("day_before", "2027-03-28 04:30 +0300")


def test_confirmed_less_than_two_hours_ahead_gets_none() -> None:
    start = local(2026, 11, 24, 10)
    assert planned_times(start, POLICY, start - timedelta(hours=1, minutes=59)) == []
    exactly = planned_times(start, POLICY, start - timedelta(hours=2))
    assert wall(exactly) == [("hours_before", "2026-11-24 08:00 +0200")]


def test_confirmed_after_18_goes_out_at_confirmation() -> None:
    now = local(2026, 11, 23, 19, 15)
    plan = planned_times(local(2026, 11, 24, 16), POLICY, now)
    assert plan[0] == (DAY_BEFORE, now)
    assert wall(plan)[1] == ("hours_before", "2026-11-24 14:00 +0200")


def test_confirmed_in_quiet_hours_collapses_onto_one_reminder() -> None:
    # Confirmed 22:30: the "at confirmation" reminder moves to 08:00, where the
    # two-hours-before one already is: one reminder is kept.
    plan = planned_times(local(2026, 11, 24, 10), POLICY, local(2026, 11, 23, 22, 30))
    assert wall(plan) == [("day_before", "2026-11-24 08:00 +0200")]


def test_confirmed_on_the_day_gets_only_the_two_hour_reminder() -> None:
    plan = planned_times(local(2026, 11, 24, 16), POLICY, local(2026, 11, 24, 9))
    assert wall(plan) == [("hours_before", "2026-11-24 14:00 +0200")]


def test_quiet_start_itself_is_not_allowed() -> None:
    at_nine = ReminderPolicy(tz=SOFIA, day_before_at=time(21, 0))
    plan = planned_times(local(2026, 11, 24, 16), at_nine, WEEK_BEFORE)
    assert wall(plan)[0] == ("day_before", "2026-11-23 20:59 +0200")
    just_before = ReminderPolicy(tz=SOFIA, day_before_at=time(20, 59))
    assert wall(planned_times(local(2026, 11, 24, 16), just_before, WEEK_BEFORE))[0] == (
        "day_before",
        "2026-11-23 20:59 +0200",
    )


def test_skipped_when_no_allowed_time_is_left() -> None:
    # An early appointment (07:00) confirmed at 22:00: 20:59 is past, 08:00 is too late.
    assert planned_times(local(2026, 11, 24, 7), POLICY, local(2026, 11, 23, 22)) == []


def test_late_quiet_reminder_moves_back_to_the_evening() -> None:
    # 07:30 appointment: two hours before is 05:30; 08:00 is after the start, 20:59 is left.
    plan = planned_times(local(2026, 11, 24, 7, 30), POLICY, WEEK_BEFORE)
    assert wall(plan) == [
        ("day_before", "2026-11-23 18:00 +0200"),
        ("hours_before", "2026-11-23 20:59 +0200"),
    ]


# --- in the database, on both engines -------------------------------------------------------


def test_confirm_plans_and_stores_aware_utc(db: Database) -> None:
    appointment_id = confirmed(db, start=local(2026, 11, 24, 10), now=WEEK_BEFORE)
    stored = rows(db, appointment_id)
    assert [(r.kind, r.state) for r in stored] == [
        ("day_before", "pending"),
        ("hours_before", "pending"),
    ]
    assert [r.due_at for r in stored] == [
        datetime(2026, 11, 23, 16, 0, tzinfo=UTC),
        datetime(2026, 11, 24, 6, 0, tzinfo=UTC),
    ]
    assert all(r.due_at.tzinfo is not None for r in stored)


def test_cancel_withdraws(db: Database) -> None:
    appointment_id = confirmed(db, start=local(2026, 11, 24, 10), now=WEEK_BEFORE)
    with db.session() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        transition(
            session,
            appointment,
            AppointmentStatus.cancelled_by_parent,
            actor="parent",
            now=WEEK_BEFORE,
            policy=POLICY,
        )
    assert open_rows(db, appointment_id) == []
    assert {r.state for r in rows(db, appointment_id)} == {"withdrawn"}


def test_move_replans_for_the_new_time(db: Database) -> None:
    appointment_id = confirmed(db, start=local(2026, 11, 24, 10), now=WEEK_BEFORE)
    new_start = local(2026, 11, 26, 16)
    with db.session() as session:
        appointment = session.get(Appointment, appointment_id, with_for_update=True)
        assert appointment is not None
        appointment.start = new_start
        appointment.end = new_start + timedelta(hours=1)
        session.add(appointment)
        assert reminders.withdraw(session, appointment_id) == 2
        reminders.plan(session, appointment, POLICY, WEEK_BEFORE)
    live = open_rows(db, appointment_id)
    assert [(r.kind, r.due_at) for r in live] == [
        ("day_before", local(2026, 11, 25, 18)),
        ("hours_before", local(2026, 11, 26, 14)),
    ]
    assert sum(r.state == "withdrawn" for r in rows(db, appointment_id)) == 2


def test_replanning_never_duplicates(db: Database) -> None:
    appointment_id = confirmed(db, start=local(2026, 11, 24, 10), now=WEEK_BEFORE)
    with db.session() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        reminders.plan(session, appointment, POLICY, WEEK_BEFORE)
        reminders.plan(session, appointment, POLICY, WEEK_BEFORE)
    assert len(open_rows(db, appointment_id)) == 2


def test_declined_or_attended_get_nothing_new(db: Database) -> None:
    appointment_id = confirmed(db, start=local(2026, 11, 24, 10), now=WEEK_BEFORE)
    with db.session() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment is not None
        transition(
            session,
            appointment,
            AppointmentStatus.cancelled_by_staff,
            actor="staff",
            now=WEEK_BEFORE,
            policy=POLICY,
        )
        assert reminders.withdraw(session, appointment_id) == 0
