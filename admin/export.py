"""Export a date range as CSV (UTF-8 with BOM, so Excel opens Cyrillic) or as .ics."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlmodel import col, select

from admin import staff as staff_service
from admin.appointments import AppointmentView, view_of
from admin.ics import range_ics
from admin.lists import day_bounds
from admin.texts import status_name, topic_title
from bot.services import Services
from storage.models import Appointment, StaffRole

# `status` is the stable code (for formulas and imports); `status_text` reads for people.
COLUMNS = (
    "id", "date", "time", "status", "topic", "name", "phone", "note", "created", "status_text",
)  # fmt: skip


def appointments_between(services: Services, first: date, last: date) -> list[AppointmentView]:
    start, end = day_bounds(first, last, services.settings.tz)
    with services.db.read() as session:
        rows = session.exec(
            select(Appointment)
            .where(Appointment.start >= start, Appointment.start < end)
            .order_by(col(Appointment.start), col(Appointment.id))
        )
        return [view_of(session, row) for row in rows]


def to_csv(services: Services, views: list[AppointmentView]) -> bytes:
    """One row per appointment; dates and times on the centre's wall clock."""
    tz = services.settings.tz
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for view in views:
        start = view.start.astimezone(tz)
        writer.writerow(
            (
                view.id,
                start.date().isoformat(),
                f"{start:%H:%M}",
                view.status,
                topic_title(services.content, view.topic),
                view.parent_name or "",
                view.parent_phone or "",
                view.note or "",
                view.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                status_name(view.status),
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


def export(services: Services, first: date, last: date, fmt: str = "csv") -> bytes:
    """The range as `csv` or `ics` bytes (no role check: the CLI runs on the server)."""
    views = appointments_between(services, first, last)
    if fmt == "csv":
        return to_csv(services, views)
    if fmt == "ics":
        return range_ics(views, services.content, services.settings.tz)
    raise ValueError(f"unknown format: {fmt!r} (csv or ics)")


def export_for_staff(services: Services, *, staff_user_id: int, first: date, last: date) -> bytes:
    """Admin: the range as CSV for /export."""
    staff_service.check(services.db, staff_user_id, StaffRole.admin)
    return export(services, first, last, "csv")
