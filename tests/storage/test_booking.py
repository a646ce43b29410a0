"""Booking, moving and cancelling: capacity, the two-booking limit, idempotency, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from storage import booking, parents
from storage.appointments import transition
from storage.db import Database
from storage.errors import (
    InvalidTransition,
    LimitReached,
    NoConsent,
    NotAllowed,
    SlotTaken,
    SlotUnavailable,
)
from storage.models import Appointment, AppointmentStatus, AuditEntry
from storage.reminders import ReminderPolicy

TZ = ZoneInfo("Europe/Sofia")
POLICY = ReminderPolicy(tz=TZ)


def at(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ).astimezone(UTC)


NOW = at(2026, 11, 23)  # Monday 08:00 in Sofia
TUE_10 = at(2026, 11, 24, 10)


def book(
    db: Database, start: datetime, *, user: int = 1001, key: str | None = None
) -> Appointment:
    return booking.book(
        db,
        telegram_user_id=user,
        chat_id=user,
        topic="consulting",
        note="  за сина ми  ",
        start=start,
        request_key=key or f"{user}:{start.isoformat()}",
        tz=TZ,
        now=NOW,
    )


def audit_actions(db: Database, appointment_id: int) -> list[str]:
    with db.session() as session:
        rows = session.exec(
            select(AuditEntry)
            .where(AuditEntry.appointment_id == appointment_id)
            .order_by(col(AuditEntry.id))
        ).all()
        return [f"{r.actor}:{r.action}:{r.to_status}" for r in rows]


def test_book_saves_pending_and_audits(db: Database) -> None:
    appointment = book(db, TUE_10)
    assert appointment.id is not None
    assert appointment.status == AppointmentStatus.pending
    assert appointment.start == TUE_10 and appointment.end == TUE_10 + timedelta(hours=1)
    assert appointment.note == "за сина ми"
    assert audit_actions(db, appointment.id) == ["parent:booked:pending"]


def test_same_request_key_books_once(db: Database) -> None:
    first = book(db, TUE_10, key="1001:555")
    again = book(db, TUE_10, key="1001:555")
    assert again.id == first.id
    with db.session() as session:
        assert len(session.exec(select(Appointment)).all()) == 1


def test_full_slot_is_refused(db: Database) -> None:
    book(db, TUE_10, user=1)
    with pytest.raises(SlotTaken):
        book(db, TUE_10, user=2)


@pytest.mark.parametrize(
    "start",
    [
        at(2026, 11, 23, 9),  # too soon (lead time 2 hours)
        at(2026, 11, 20, 10),  # past
        at(2026, 11, 28, 10),  # Saturday
        at(2026, 12, 24, 10),  # Бъдни вечер
        at(2026, 12, 15, 10),  # beyond the 21-day horizon
        at(2026, 11, 24, 10, 30),  # not on the slot grid
        at(2026, 11, 24, 12),  # lunch break
    ],
)
def test_unbookable_times_are_refused(db: Database, start: datetime) -> None:
    with pytest.raises(SlotUnavailable):
        book(db, start)


def test_two_future_bookings_at_most(db: Database) -> None:
    book(db, TUE_10)
    book(db, at(2026, 11, 25, 10))
    with pytest.raises(LimitReached) as caught:
        book(db, at(2026, 11, 26, 10))
    assert caught.value.limit == 2
    # Another parent is not affected.
    book(db, at(2026, 11, 26, 10), user=2002)


def test_contact_needs_consent(db: Database) -> None:
    with pytest.raises(NoConsent):
        booking.book(
            db,
            telegram_user_id=7,
            chat_id=7,
            topic="other",
            note=None,
            start=TUE_10,
            request_key="7:1",
            tz=TZ,
            now=NOW,
            name="Мария",
            phone="+359888123456",
        )
    parents.record_consent(db, telegram_user_id=7, chat_id=7, now=NOW)
    booking.book(
        db,
        telegram_user_id=7,
        chat_id=7,
        topic="other",
        note=None,
        start=TUE_10,
        request_key="7:1",
        tz=TZ,
        now=NOW,
        name="Мария",
        phone="+359888123456",
    )
    view = parents.find(db, 7)
    assert view is not None and view.name == "Мария" and view.phone == "+359888123456"


def test_move_holds_new_place_and_frees_old(db: Database) -> None:
    appointment = book(db, TUE_10)
    assert appointment.id is not None
    wed = at(2026, 11, 25, 11)
    moved = booking.move(
        db, telegram_user_id=1001, appointment_id=appointment.id, new_start=wed, tz=TZ,
        now=NOW, policy=POLICY,
    )  # fmt: skip
    assert moved.start == wed and moved.status == AppointmentStatus.pending
    book(db, TUE_10, user=2)  # the old place is free again
    assert audit_actions(db, appointment.id) == ["parent:booked:pending", "parent:moved:pending"]


def test_move_keeps_confirmed_status(db: Database) -> None:
    appointment = book(db, TUE_10)
    assert appointment.id is not None
    with db.session() as session:
        row = session.get(Appointment, appointment.id)
        assert row is not None
        transition(session, row, AppointmentStatus.confirmed, actor="staff:1 Ана", now=NOW,
                   policy=POLICY)  # fmt: skip
    moved = booking.move(
        db, telegram_user_id=1001, appointment_id=appointment.id, new_start=at(2026, 11, 26, 9),
        tz=TZ, now=NOW, policy=POLICY,
    )  # fmt: skip
    assert moved.status == AppointmentStatus.confirmed


def test_move_into_full_slot_keeps_the_old_one(db: Database) -> None:
    mine = book(db, TUE_10)
    assert mine.id is not None
    other = at(2026, 11, 25, 9)
    book(db, other, user=2)
    with pytest.raises(SlotTaken):
        booking.move(
            db, telegram_user_id=1001, appointment_id=mine.id, new_start=other, tz=TZ,
            now=NOW, policy=POLICY,
        )  # fmt: skip
    with pytest.raises(SlotTaken):
        book(db, TUE_10, user=3)  # still held by the first parent


def test_cancel_and_ownership(db: Database) -> None:
    mine = book(db, TUE_10)
    assert mine.id is not None
    book(db, at(2026, 11, 25, 9), user=2)
    with pytest.raises(NotAllowed):
        booking.cancel_by_parent(
            db, telegram_user_id=2, appointment_id=mine.id, now=NOW, policy=POLICY
        )
    with pytest.raises(NotAllowed):
        booking.move(
            db, telegram_user_id=2, appointment_id=mine.id, new_start=at(2026, 11, 26, 9),
            tz=TZ, now=NOW, policy=POLICY,
        )  # fmt: skip
    cancelled = booking.cancel_by_parent(
        db, telegram_user_id=1001, appointment_id=mine.id, now=NOW, policy=POLICY
    )
    assert cancelled.status == AppointmentStatus.cancelled_by_parent
    with pytest.raises(InvalidTransition):
        booking.cancel_by_parent(
            db, telegram_user_id=1001, appointment_id=mine.id, now=NOW, policy=POLICY
        )
    assert booking.future_for_parent(db, telegram_user_id=1001, now=NOW) == []
    book(db, TUE_10, user=3)  # the place is free again
    assert audit_actions(db, mine.id)[-1] == "parent:status:cancelled_by_parent"


def test_future_for_parent_in_time_order(db: Database) -> None:
    later = book(db, at(2026, 11, 27, 9))
    sooner = book(db, TUE_10)
    found = booking.future_for_parent(db, telegram_user_id=1001, now=NOW)
    assert [a.id for a in found] == [sooner.id, later.id]
    assert booking.future_for_parent(db, telegram_user_id=1001, now=at(2026, 11, 30)) == []
