"""Staff lists: a day, a week, pending requests, a search by name or phone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from admin import staff as staff_service
from admin.appointments import AppointmentView, view_of
from bot.services import Services
from storage import outbox
from storage.clock import utcnow
from storage.models import Appointment, Parent
from storage.models import AppointmentStatus as S

FIND_LIMIT = 30


def day_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start of `first`, start of the day after `last`) on the centre's wall clock."""
    start = datetime.combine(first, time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def _views(session: Session, rows: list[Appointment]) -> list[AppointmentView]:
    return [view_of(session, row) for row in rows]


def between(
    services: Services, *, staff_user_id: int, first: date, last: date
) -> list[AppointmentView]:
    """Every appointment from `first` to `last` (local days), in time order."""
    start, end = day_bounds(first, last, services.settings.tz)
    with services.db.read() as session:
        staff_service.require(session, staff_user_id)
        rows = session.exec(
            select(Appointment)
            .where(Appointment.start >= start, Appointment.start < end)
            .order_by(col(Appointment.start), col(Appointment.id))
        )
        return _views(session, list(rows))


def pending(services: Services, *, staff_user_id: int) -> list[AppointmentView]:
    """Future requests still waiting for an answer, in time order."""
    with services.db.read() as session:
        staff_service.require(session, staff_user_id)
        rows = session.exec(
            select(Appointment)
            .where(Appointment.status == S.pending, Appointment.start >= utcnow())
            .order_by(col(Appointment.start), col(Appointment.id))
        )
        return _views(session, list(rows))


def undelivered(
    services: Services, *, staff_user_id: int, days: int = 14
) -> list[AppointmentView]:
    """Appointments whose parent a message did not reach (last `days` days), newest first."""
    with services.db.read() as session:
        staff_service.require(session, staff_user_id)
        failed = outbox.undelivered(session, utcnow() - timedelta(days=days))
        ids = list(dict.fromkeys(f.appointment_id for f in failed if f.appointment_id))
        rows = [session.get(Appointment, i) for i in ids]
        return _views(session, [r for r in rows if r is not None])


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _phone_matches(query_digits: str, phone: str | None) -> bool:
    """0888 12 … and +359 888 12 … find the same E.164 number."""
    if not phone or len(query_digits) < 3:
        return False
    digits = _digits(phone)
    local = query_digits[1:] if query_digits.startswith("0") else query_digits
    return query_digits in digits or (len(local) >= 3 and local in digits)


def find(services: Services, *, staff_user_id: int, text: str) -> list[AppointmentView]:
    """Appointments of parents whose name or phone matches, newest first."""
    needle = text.strip().casefold()
    query_digits = _digits(text)
    with services.db.read() as session:
        staff_service.require(session, staff_user_id)
        if not needle:
            return []
        # Compared in Python: SQLite's lower() does not fold Cyrillic.
        parent_ids = [
            p.id
            for p in session.exec(select(Parent))
            if (p.display_name and needle in p.display_name.casefold())
            or _phone_matches(query_digits, p.phone)
        ]
        if not parent_ids:
            return []
        rows = session.exec(
            select(Appointment)
            .where(col(Appointment.parent_id).in_(parent_ids))
            .order_by(col(Appointment.start).desc())
            .limit(FIND_LIMIT)
        )
        return _views(session, list(rows))
