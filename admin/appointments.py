"""Staff actions on one appointment: confirm, decline, propose another time, attendance, notes.

Each call is one short transaction that checks the staff list first, locks the row
(`FOR UPDATE` on PostgreSQL; SQLite transactions are serialised by BEGIN IMMEDIATE)
and writes the audit trail with who and when.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from admin import notices, slots
from admin import staff as staff_service
from admin.staff import StaffInfo
from admin.views import AppointmentView, view_of
from bot.services import Services
from storage import appointments as repo
from storage import reminders, waitlist
from storage.clock import utcnow
from storage.errors import AlreadyHandled, InvalidTransition, NotAllowed, SlotTaken
from storage.models import Appointment, Parent
from storage.models import AppointmentStatus as S


def load(services: Services, appointment_id: int) -> AppointmentView:
    """Read one appointment (no role check: used after a checked action and by notify)."""
    with services.db.read() as session:
        return view_of(session, repo.get(session, appointment_id))


def open_for_staff(
    services: Services, *, appointment_id: int, staff_user_id: int
) -> AppointmentView:
    """Read one appointment for a staff member (role checked)."""
    with services.db.read() as session:
        staff_service.require(session, staff_user_id)
        return view_of(session, repo.get(session, appointment_id))


def _expect(appointment: Appointment, *statuses: str) -> None:
    """Someone else acted first: say who and when."""
    if appointment.status not in statuses:
        raise AlreadyHandled(appointment.status, appointment.handled_by, appointment.handled_at)


def _settle(
    session: Session,
    services: Services,
    appointment: Appointment,
    member: StaffInfo,
    now: datetime,
    to: S,
    reason: str | None = None,
    via: str | None = None,
) -> None:
    """Record who handled it (and where: "web"), then move it to `to` (audit, reminders)."""
    appointment.handled_by = member.name
    appointment.handled_via = via
    appointment.handled_at = now
    appointment.proposed_start = None
    repo.transition(
        session,
        appointment,
        to,
        actor=member.actor,
        now=now,
        policy=services.reminder_policy,
        reason=reason,
    )


def _decide(
    services: Services,
    appointment_id: int,
    staff_user_id: int,
    *,
    expect: tuple[S, ...],
    to: S,
    reason: str | None = None,
    via: str | None = None,
) -> AppointmentView:
    """One staff decision in its own transaction; AlreadyHandled unless the status is `expect`.

    The parent's message (and the cards' edits) are outbox rows of the same transaction."""
    now = utcnow()
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id)
        appointment = repo.get(session, appointment_id, lock=True)
        _expect(appointment, *expect)
        _settle(session, services, appointment, member, now, to, reason, via)
        build = PARENT_TEXTS[to]
        if not notices.tell_parent(
            session, services, appointment_id, build, ics=to == S.confirmed
        ):
            notices.refresh_cards(session, services, appointment_id)
        return view_of(session, appointment)


# What the parent reads after each staff decision.
PARENT_TEXTS: dict[str, notices.ParentText] = {
    S.confirmed: notices.confirmed_text,
    S.declined: notices.declined_text,
    S.cancelled_by_staff: notices.cancelled_text,
}


def confirm(
    services: Services, *, appointment_id: int, staff_user_id: int, via: str | None = None
) -> AppointmentView:
    """pending -> confirmed (plans reminders); AlreadyHandled if someone was first."""
    return _decide(
        services, appointment_id, staff_user_id, expect=(S.pending,), to=S.confirmed, via=via
    )


def decline(
    services: Services,
    *,
    appointment_id: int,
    staff_user_id: int,
    reason: str | None,
    via: str | None = None,
) -> AppointmentView:
    """pending -> declined with a reason the parent will read."""
    return _decide(
        services,
        appointment_id,
        staff_user_id,
        expect=(S.pending,),
        to=S.declined,
        reason=reason,
        via=via,
    )


def cancel_by_staff(
    services: Services,
    *,
    appointment_id: int,
    staff_user_id: int,
    reason: str | None,
    via: str | None = None,
) -> AppointmentView:
    """confirmed (or pending) -> cancelled_by_staff; reminders withdrawn."""
    return _decide(
        services,
        appointment_id,
        staff_user_id,
        expect=(S.pending, S.confirmed),
        to=S.cancelled_by_staff,
        reason=reason,
        via=via,
    )


def _mark(services: Services, appointment_id: int, staff_user_id: int, to: S) -> AppointmentView:
    now = utcnow()
    other = S.no_show if to == S.attended else S.attended
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id)
        appointment = repo.get(session, appointment_id, lock=True)
        _expect(appointment, S.confirmed, other)
        tz = services.settings.tz
        if appointment.start.astimezone(tz).date() > now.astimezone(tz).date():
            raise InvalidTransition(appointment.status, to)  # not before the day of the visit
        repo.transition(
            session,
            appointment,
            to,
            actor=member.actor,
            now=now,
            policy=services.reminder_policy,
        )
        notices.refresh_cards(session, services, appointment_id)
        return view_of(session, appointment)


def mark_attended(
    services: Services, *, appointment_id: int, staff_user_id: int
) -> AppointmentView:
    """confirmed (or no-show by mistake) -> attended."""
    return _mark(services, appointment_id, staff_user_id, S.attended)


def mark_no_show(
    services: Services, *, appointment_id: int, staff_user_id: int
) -> AppointmentView:
    """confirmed (or attended by mistake) -> no_show."""
    return _mark(services, appointment_id, staff_user_id, S.no_show)


def add_note(
    services: Services, *, appointment_id: int, staff_user_id: int, text: str
) -> AppointmentView:
    """Append a staff-only note (the audit says who and when, not what)."""
    now = utcnow()
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id)
        appointment = repo.get(session, appointment_id, lock=True)
        line = text.strip()[:1000]
        appointment.staff_note = (
            f"{appointment.staff_note}\n{line}" if appointment.staff_note else line
        )
        appointment.updated_at = now
        session.add(appointment)
        repo.audit(
            session, appointment_id=appointment_id, actor=member.actor, action="note", now=now
        )
        notices.refresh_cards(session, services, appointment_id)
        return view_of(session, appointment)


def free_slots_for(
    services: Services, *, appointment_id: int, staff_user_id: int, limit: int = 40
) -> list[datetime]:
    """Free slots staff may propose instead of this appointment's time."""
    with services.db.session() as session:
        staff_service.require(session, staff_user_id)
        appointment = repo.get(session, appointment_id)
        return [
            s
            for s in slots.free_slots(session, now=utcnow(), tz=services.settings.tz, limit=limit)
            if s != appointment.start
        ]


def propose(
    services: Services,
    *,
    appointment_id: int,
    staff_user_id: int,
    start: datetime,
    via: str | None = None,
) -> AppointmentView:
    """Store "Друг час": the parent accepts or refuses it; nothing moves until then."""
    now = utcnow()
    with services.db.session() as session:
        member = staff_service.require(session, staff_user_id)
        appointment = repo.get(session, appointment_id, lock=True)
        _expect(appointment, S.pending, S.confirmed)
        if not slots.has_room(
            session, start, tz=services.settings.tz, now=now, exclude=appointment_id
        ):
            raise SlotTaken("proposed slot is not free")
        appointment.handled_by = member.name
        appointment.handled_via = via
        appointment.handled_at = now
        appointment.proposed_start = start
        appointment.updated_at = now
        session.add(appointment)
        repo.audit(
            session,
            appointment_id=appointment_id,
            actor=member.actor,
            action="propose",
            detail=start.isoformat(),
            now=now,
        )
        if not notices.tell_parent(session, services, appointment_id, notices.proposal_text):
            notices.refresh_cards(session, services, appointment_id)
        return view_of(session, appointment)


def _own(session: Session, appointment: Appointment, parent_user_id: int) -> None:
    """Only the parent who booked may answer a proposal (forged callbacks are refused)."""
    parent = session.get(Parent, appointment.parent_id) if appointment.parent_id else None
    if parent is None or parent.telegram_user_id != parent_user_id:
        raise NotAllowed("not this parent's appointment")


def accept_proposal(
    services: Services, *, appointment_id: int, parent_user_id: int
) -> AppointmentView:
    """Move to the proposed time and confirm, atomically; SlotTaken if it filled meanwhile."""
    now = utcnow()
    with services.db.session() as session:
        # Lock order as in the parents' booking: parent, then slot (the row lock sits between).
        slots.lock_parent(session, parent_user_id)
        appointment = repo.get(session, appointment_id, lock=True)
        _own(session, appointment, parent_user_id)
        new_start = appointment.proposed_start
        if new_start is None or appointment.status not in (S.pending, S.confirmed):
            raise AlreadyHandled(
                appointment.status, appointment.handled_by, appointment.handled_at
            )
        slots.lock_slot(session, new_start)
        if not slots.has_room(
            session, new_start, tz=services.settings.tz, now=now, exclude=appointment_id
        ):
            raise SlotTaken("proposed slot filled meanwhile")
        old_start = appointment.start
        length = appointment.end - appointment.start or timedelta(minutes=60)
        appointment.start = new_start
        appointment.end = new_start + length
        appointment.proposed_start = None
        appointment.updated_at = now
        session.add(appointment)
        session.flush()
        repo.audit(
            session,
            appointment_id=appointment_id,
            actor="parent",
            action="move",
            detail=f"{old_start.isoformat()} -> {new_start.isoformat()}",
            now=now,
        )
        if appointment.status == S.pending:
            repo.transition(
                session,
                appointment,
                S.confirmed,
                actor="parent",
                now=now,
                policy=services.reminder_policy,
                reason="accepted proposal",
            )
        else:
            reminders.plan(session, appointment, services.reminder_policy, now)
        waitlist.on_place_freed(
            session,
            old_start,
            now=now,
            policy=services.reminder_policy,
            skip_parent=appointment.parent_id,  # as storage.booking.move: not their own old time
        )
        notices.tell_parent(session, services, appointment_id, notices.confirmed_text, ics=True)
        notices.tell_staff(session, services, appointment_id, "accepted_proposal")
        return view_of(session, appointment)


def refuse_proposal(
    services: Services, *, appointment_id: int, parent_user_id: int
) -> AppointmentView:
    """Forget the proposed time; the appointment stays as it was for staff to decide."""
    now = utcnow()
    with services.db.session() as session:
        appointment = repo.get(session, appointment_id, lock=True)
        _own(session, appointment, parent_user_id)
        if appointment.proposed_start is None:
            raise AlreadyHandled(
                appointment.status, appointment.handled_by, appointment.handled_at
            )
        appointment.proposed_start = None
        appointment.updated_at = now
        session.add(appointment)
        repo.audit(
            session, appointment_id=appointment_id, actor="parent", action="refuse", now=now
        )
        notices.tell_staff(session, services, appointment_id, "refused_proposal")
        return view_of(session, appointment)


def active_on(
    session: Session, start: datetime, end: datetime, *, lock: bool = False
) -> list[Appointment]:
    """Active appointments in [start, end), in time order (row-locked when asked)."""
    query = (
        select(Appointment)
        .where(
            Appointment.start >= start,
            Appointment.start < end,
            col(Appointment.status).in_((S.pending, S.confirmed)),
        )
        .order_by(col(Appointment.start), col(Appointment.id))
    )
    return list(session.exec(query.with_for_update() if lock else query))
