"""Book, move and cancel a walk-in consultation: one transaction each, capacity held by the DB.

SQLite: every transaction is BEGIN IMMEDIATE, so check-then-insert is serialised.
PostgreSQL: transaction-scoped advisory locks on the parent, then on the slot, before
counting (always in that order, so two transactions never wait on each other in a cycle).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from storage import parents, reminders, slots, waitlist
from storage.appointments import audit, transition
from storage.db import Database
from storage.errors import InvalidTransition, LimitReached, NotAllowed, NotFound, SlotTaken
from storage.locks import LockSpace, advisory_lock, slot_key
from storage.models import ACTIVE_STATUSES, Appointment, AppointmentStatus
from storage.outbox import Announcer
from storage.reminders import ReminderPolicy

ACTOR = "parent"
MAX_FUTURE_BOOKINGS = 2
NOTE_MAX = 300


lock_parent = parents.lock_parent
P = ParamSpec("P")
R = TypeVar("R")


def lock_slot(session: Session, start: datetime) -> None:
    """Serialise the capacity check of one slot (key: its start in Unix minutes)."""
    advisory_lock(session, LockSpace.slot, slot_key(start))


def _future_active(session: Session, parent_id: int, now: datetime) -> int:
    query = select(func.count()).where(
        Appointment.parent_id == parent_id,
        Appointment.start > now,
        col(Appointment.status).in_([str(s) for s in ACTIVE_STATUSES]),
    )
    return int(session.exec(query).one())


def by_request_key(db: Database, request_key: str) -> Appointment | None:
    with db.read() as session:
        return session.exec(
            select(Appointment).where(Appointment.request_key == request_key)
        ).first()


def book_in(
    session: Session,
    *,
    telegram_user_id: int,
    chat_id: int,
    topic: str,
    note: str | None,
    start: datetime,
    request_key: str,
    tz: ZoneInfo,
    now: datetime,
    name: str | None = None,
    phone: str | None = None,
    language: str = "bg",
    policy: ReminderPolicy | None = None,
    announce: Announcer | None = None,
) -> Appointment:
    """`book` inside the caller's transaction (taking a waiting-list offer books this way)."""
    lock_parent(session, telegram_user_id)
    existing = session.exec(
        select(Appointment).where(Appointment.request_key == request_key)
    ).first()
    if existing is not None:
        return existing
    parent = parents.get_or_create(
        session, telegram_user_id=telegram_user_id, chat_id=chat_id, now=now, language=language
    )
    if name is not None and phone is not None:
        parents.set_contact(session, parent, name=name, phone=phone, now=now)
    rules, slot_start, slot_end = slots.slot_at(session, tz, start, now)
    assert parent.id is not None
    if _future_active(session, parent.id, now) >= MAX_FUTURE_BOOKINGS:
        raise LimitReached(MAX_FUTURE_BOOKINGS)
    lock_slot(session, slot_start)
    if slots.active_count(session, slot_start, slot_end) >= rules.places_per_slot:
        raise SlotTaken(slot_start.isoformat())
    appointment = Appointment(
        parent_id=parent.id,
        topic=topic,
        note=(note or "").strip()[:NOTE_MAX] or None,
        start=slot_start,
        end=slot_end,
        status=AppointmentStatus.pending,
        request_key=request_key,
        created_at=now,
        updated_at=now,
    )
    session.add(appointment)
    session.flush()
    audit(
        session,
        appointment_id=appointment.id,
        actor=ACTOR,
        action="booked",
        to_status=AppointmentStatus.pending,
        now=now,
    )
    # A booked parent leaves the waiting list; a place held for them goes to the next one.
    freed = waitlist.leave_in(session, parent.id, now=now)
    if freed and policy is not None:
        waitlist.on_places_freed(session, freed, now=now, policy=policy)
    if announce is not None:
        announce.booked(session, appointment.id)  # type: ignore[arg-type]
    return appointment


def _in_own_transaction(
    work: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Database, P], R]:
    """`work(session, …)` as `f(db, …)` in a transaction of its own: one signature to keep."""

    def run(db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with db.session() as session:
            return work(session, *args, **kwargs)

    return run


book = _in_own_transaction(book_in)
"""Save a pending booking, or return the one this `request_key` already made.

`announce` writes the staff card into the outbox in this same transaction.
Raises SlotUnavailable (not a bookable slot), SlotTaken (full), LimitReached,
NoConsent (name/phone given without consent).
"""


def _own(
    session: Session, telegram_user_id: int, appointment_id: int, *, lock: bool = True
) -> Appointment:
    """The parent's own appointment (row-locked for writers); NotAllowed for anybody else's."""
    parent = parents.get(session, telegram_user_id)
    appointment = session.get(Appointment, appointment_id, with_for_update=lock)
    if appointment is None:
        raise NotFound(f"appointment {appointment_id}")
    if parent is None or appointment.parent_id != parent.id:
        raise NotAllowed(f"appointment {appointment_id}")
    return appointment


def get_own(db: Database, *, telegram_user_id: int, appointment_id: int) -> Appointment:
    """Read one of the parent's appointments (NotFound / NotAllowed otherwise)."""
    with db.read() as session:
        return _own(session, telegram_user_id, appointment_id, lock=False)


def _changeable(appointment: Appointment, now: datetime) -> None:
    if appointment.status not in ACTIVE_STATUSES or appointment.start <= now:
        raise InvalidTransition(appointment.status, "changed")


def move(
    db: Database,
    *,
    telegram_user_id: int,
    appointment_id: int,
    new_start: datetime,
    tz: ZoneInfo,
    now: datetime,
    policy: ReminderPolicy,
    announce: Announcer | None = None,
) -> Appointment:
    """Move to another free slot atomically: the new place is held before the old is freed.

    The status stays; a confirmed appointment gets its reminders planned afresh.
    """
    with db.session() as session:
        lock_parent(session, telegram_user_id)
        appointment = _own(session, telegram_user_id, appointment_id)
        _changeable(appointment, now)
        rules, slot_start, slot_end = slots.slot_at(session, tz, new_start, now)
        if slot_start == appointment.start:
            return appointment
        lock_slot(session, slot_start)
        taken = slots.active_count(session, slot_start, slot_end, exclude_id=appointment.id)
        if taken >= rules.places_per_slot:
            raise SlotTaken(slot_start.isoformat())
        old_start = appointment.start
        appointment.start, appointment.end = slot_start, slot_end
        appointment.proposed_start = None
        appointment.updated_at = now
        session.add(appointment)
        session.flush()
        assert appointment.id is not None
        audit(
            session,
            appointment_id=appointment.id,
            actor=ACTOR,
            action="moved",
            from_status=appointment.status,
            to_status=appointment.status,
            detail=f"{old_start.isoformat()} -> {slot_start.isoformat()}",
            now=now,
        )
        if appointment.status == AppointmentStatus.confirmed:
            reminders.withdraw(session, appointment.id)
            reminders.plan(session, appointment, policy, now)
        waitlist.on_place_freed(  # the old place, to anybody but the mover
            session, old_start, now=now, policy=policy, skip_parent=appointment.parent_id
        )
        if announce is not None:
            announce.parent_changed(session, appointment.id, "moved")
        return appointment


def cancel_by_parent(
    db: Database,
    *,
    telegram_user_id: int,
    appointment_id: int,
    now: datetime,
    policy: ReminderPolicy,
    reason: str | None = None,
    announce: Announcer | None = None,
) -> Appointment:
    """Cancel one of the parent's future bookings (InvalidTransition if no longer active)."""
    with db.session() as session:
        lock_parent(session, telegram_user_id)
        appointment = _own(session, telegram_user_id, appointment_id)
        _changeable(appointment, now)
        transition(
            session,
            appointment,
            AppointmentStatus.cancelled_by_parent,
            actor=ACTOR,
            now=now,
            policy=policy,
            reason=reason,
        )
        if announce is not None:
            announce.parent_changed(session, appointment_id, "cancelled")
        return appointment


def future_for_parent(db: Database, *, telegram_user_id: int, now: datetime) -> list[Appointment]:
    """The parent's active appointments that have not started yet, in time order."""
    with db.read() as session:
        parent = parents.get(session, telegram_user_id)
        if parent is None:
            return []
        query = (
            select(Appointment)
            .where(
                Appointment.parent_id == parent.id,
                Appointment.start > now,
                col(Appointment.status).in_([str(s) for s in ACTIVE_STATUSES]),
            )
            .order_by(col(Appointment.start))
        )
        return list(session.exec(query).all())
