"""An appointment with its parent as plain data: what cards, lists, exports and notices show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, func, select

from storage import outbox
from storage.models import Appointment, Parent
from storage.models import AppointmentStatus as S


@dataclass(frozen=True)
class AppointmentView:
    """One appointment with its parent, as plain data for cards, lists and messages."""

    id: int
    status: str
    topic: str
    start: datetime
    end: datetime
    note: str | None
    staff_note: str | None
    decline_reason: str | None
    cancel_reason: str | None
    proposed_start: datetime | None
    parent_reply: str | None
    handled_by: str | None
    handled_via: str | None
    handled_at: datetime | None
    created_at: datetime
    parent_id: int | None
    parent_user_id: int | None
    parent_chat_id: int | None
    parent_name: str | None
    parent_phone: str | None
    parent_language: str
    parent_unreachable: bool
    bookings_count: int
    # The latest message to the parent about it: pending / claimed / sent / failed / None.
    parent_notice: str | None = None

    def reason_text(self) -> str | None:
        """The reason the parent was given, for a declined or cancelled appointment."""
        if self.status == S.declined:
            return self.decline_reason
        if self.status in (S.cancelled_by_parent, S.cancelled_by_staff):
            return self.cancel_reason
        return None


def view_of(session: Session, appointment: Appointment) -> AppointmentView:
    parent = session.get(Parent, appointment.parent_id) if appointment.parent_id else None
    count = 0
    if appointment.parent_id is not None:
        count = session.exec(
            select(func.count())
            .select_from(Appointment)
            .where(Appointment.parent_id == appointment.parent_id)
        ).one()
    assert appointment.id is not None
    return AppointmentView(
        id=appointment.id,
        status=appointment.status,
        topic=appointment.topic,
        start=appointment.start,
        end=appointment.end,
        note=appointment.note,
        staff_note=appointment.staff_note,
        decline_reason=appointment.decline_reason,
        cancel_reason=appointment.cancel_reason,
        proposed_start=appointment.proposed_start,
        parent_reply=appointment.parent_reply,
        handled_by=appointment.handled_by,
        handled_via=appointment.handled_via,
        handled_at=appointment.handled_at,
        created_at=appointment.created_at,
        parent_id=appointment.parent_id,
        parent_user_id=parent.telegram_user_id if parent else None,
        parent_chat_id=parent.chat_id if parent else None,
        parent_name=parent.display_name if parent else None,
        parent_phone=parent.phone if parent else None,
        parent_language=parent.language if parent else "bg",
        parent_unreachable=bool(parent and parent.unreachable_at),
        bookings_count=int(count),
        parent_notice=outbox.parent_notice_state(session, appointment.id),
    )
