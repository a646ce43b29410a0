"""The centre's monthly report (the web desk's Статистика): what happened to the requests
of a month, by topic, weekday, hour and week; new and returning parents; how long from a
request to its confirmation and to the visit; and the year month by month.

Counts go by the appointment's time (as `admin.stats`), on the centre's wall clock.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import median

from sqlmodel import col, func, select

from admin import staff as staff_service
from admin.lists import day_bounds
from admin.stats import month_last_day
from admin.texts import topic_title
from bot.services import Services
from storage.models import Appointment, AuditEntry
from storage.models import AppointmentStatus as S

EVER_CONFIRMED = (S.confirmed, S.attended, S.no_show)


@dataclass(frozen=True)
class Outcomes:
    """The figures of one period."""

    requests: int = 0
    confirmed: int = 0  # ever confirmed: confirmed, attended or no-show
    attended: int = 0
    no_shows: int = 0
    cancelled_by_parents: int = 0
    cancelled_by_centre: int = 0
    declined: int = 0
    pending: int = 0


@dataclass(frozen=True)
class MonthReport:
    month: date
    outcomes: Outcomes
    by_topic: dict[str, int] = field(default_factory=dict)
    by_weekday: dict[int, int] = field(default_factory=dict)  # 0 = Monday
    by_hour: dict[int, int] = field(default_factory=dict)
    by_week: dict[date, int] = field(default_factory=dict)  # Monday of the week
    new_parents: int = 0
    returning_parents: int = 0
    median_hours_to_confirmation: float | None = None
    median_days_to_visit: float | None = None
    year: dict[date, Outcomes] = field(default_factory=dict)  # first of month -> figures


def _outcomes(statuses: Counter[str]) -> Outcomes:
    return Outcomes(
        requests=sum(statuses.values()),
        confirmed=sum(statuses[s] for s in EVER_CONFIRMED),
        attended=statuses[S.attended],
        no_shows=statuses[S.no_show],
        cancelled_by_parents=statuses[S.cancelled_by_parent],
        cancelled_by_centre=statuses[S.cancelled_by_staff],
        declined=statuses[S.declined],
        pending=statuses[S.pending],
    )


def _rows(services: Services, first: date, last: date) -> list[Appointment]:
    start, end = day_bounds(first, last, services.settings.tz)
    with services.db.read() as session:
        return list(
            session.exec(
                select(Appointment)
                .where(Appointment.start >= start, Appointment.start < end)
                .order_by(col(Appointment.start))
            )
        )


def month_report(services: Services, *, staff_user_id: int, month: date) -> MonthReport:
    """The month's figures, and its year's month by month (staff may see them)."""
    tz = services.settings.tz
    first = month.replace(day=1)
    last = month_last_day(first)
    staff_service.check(services.db, staff_user_id)
    rows = _rows(services, first, last)
    local = [(row, row.start.astimezone(tz)) for row in rows]
    ids = [row.id for row in rows]
    parent_ids = {row.parent_id for row in rows if row.parent_id is not None}
    with services.db.read() as session:
        confirmed_at = dict(
            session.exec(
                select(AuditEntry.appointment_id, func.min(AuditEntry.at))
                .where(
                    col(AuditEntry.appointment_id).in_(ids),
                    AuditEntry.action == "status",
                    AuditEntry.to_status == S.confirmed,
                )
                .group_by(col(AuditEntry.appointment_id))
            ).all()
        )
        first_booked = dict(
            session.exec(
                select(Appointment.parent_id, func.min(Appointment.created_at))
                .where(col(Appointment.parent_id).in_(parent_ids))
                .group_by(col(Appointment.parent_id))
            ).all()
        )
    month_start, _end = day_bounds(first, last, tz)
    new = sum(1 for p in parent_ids if _aware(first_booked[p]) >= month_start)
    to_confirm = [
        (_aware(confirmed_at[row.id]) - _aware(row.created_at)).total_seconds() / 3600
        for row in rows
        if row.id in confirmed_at
    ]
    to_visit = [
        (_aware(row.start) - _aware(row.created_at)).total_seconds() / 86400
        for row in rows
        if row.status in (S.attended,)
    ]
    year = {}
    for number in range(1, 13):
        start_of = date(first.year, number, 1)
        year[start_of] = _outcomes(
            Counter(r.status for r in _rows(services, start_of, month_last_day(start_of)))
        )
    return MonthReport(
        month=first,
        outcomes=_outcomes(Counter(row.status for row in rows)),
        by_topic=dict(Counter(row.topic for row in rows).most_common()),
        by_weekday=dict(sorted(Counter(at.weekday() for _row, at in local).items())),
        by_hour=dict(sorted(Counter(at.hour for _row, at in local).items())),
        by_week=dict(
            sorted(Counter(at.date() - timedelta(days=at.weekday()) for _r, at in local).items())
        ),
        new_parents=new,
        returning_parents=len(parent_ids) - new,
        median_hours_to_confirmation=round(median(to_confirm), 1) if to_confirm else None,
        median_days_to_visit=round(median(to_visit), 1) if to_visit else None,
        year=year,
    )


def _aware(moment: datetime | str) -> datetime:
    """SQLite hands aggregates back as naive UTC text (the column type is not applied)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


OUTCOME_FIELDS = (
    "requests",
    "confirmed",
    "attended",
    "no_shows",
    "cancelled_by_parents",
    "cancelled_by_centre",
    "declined",
    "pending",
)


def report_csv(services: Services, report: MonthReport) -> bytes:
    """The month's table and the year's by month, UTF-8 with BOM (Excel shows Cyrillic)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("month", *OUTCOME_FIELDS))
    for first, figures in report.year.items():
        writer.writerow((f"{first:%Y-%m}", *(getattr(figures, f) for f in OUTCOME_FIELDS)))
    writer.writerow(())
    writer.writerow(("topic", "requests"))
    for key, count in report.by_topic.items():
        writer.writerow((topic_title(services.content, key), count))
    writer.writerow(())
    writer.writerow(("new_parents", report.new_parents))
    writer.writerow(("returning_parents", report.returning_parents))
    writer.writerow(("median_hours_to_confirmation", report.median_hours_to_confirmation or ""))
    writer.writerow(("median_days_to_visit", report.median_days_to_visit or ""))
    return buffer.getvalue().encode("utf-8-sig")
