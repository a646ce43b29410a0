"""Calendar files (.ics): one confirmed appointment for the parent, or a range for staff.

Times are written in the centre's zone (Europe/Sofia) with its VTIMEZONE, so phones
show the right hour on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from admin.texts import status_name, topic_title
from admin.views import AppointmentView
from bot.centre import Content
from bot.i18n import _
from storage.clock import utcnow

if TYPE_CHECKING:
    from icalendar import Calendar, Event


def _calendar(content: Content) -> Calendar:
    from icalendar import Calendar  # imported on first use: 3 MB the idle bot does without

    calendar = Calendar()
    calendar.add("prodid", "-//cop-bot//" + content.centre.short_name + "//BG")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    return calendar


def _event(view: AppointmentView, content: Content, tz: ZoneInfo, *, for_staff: bool) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", f"appointment-{view.id}@cop-bot")
    event.add("dtstamp", utcnow())
    event.add("dtstart", view.start.astimezone(tz))
    event.add("dtend", view.end.astimezone(tz))
    topic = topic_title(content, view.topic)
    centre = _(content.centre.short_name)
    if for_staff:
        event.add("summary", f"{topic}: {view.parent_name or '—'}")
        lines = [status_name(view.status)]
        if view.parent_phone:
            lines.append(view.parent_phone)
        event.add("description", "\n".join(lines))
    else:
        event.add("summary", f"{centre}: {topic}")
        phone = content.contacts.main_phone
        event.add("description", _("Телефон на центъра: {phone}").format(phone=phone.display))
    event.add("location", _(content.contacts.address))
    return event


def appointment_ics(view: AppointmentView, content: Content, tz: ZoneInfo) -> bytes:
    """The parent's calendar file for one confirmed appointment."""
    calendar = _calendar(content)
    calendar.add_component(_event(view, content, tz, for_staff=False))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def range_ics(views: Iterable[AppointmentView], content: Content, tz: ZoneInfo) -> bytes:
    """Staff's export: every appointment of a range, with name, phone and status."""
    calendar = _calendar(content)
    for view in views:
        calendar.add_component(_event(view, content, tz, for_staff=True))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def ics_filename(content: Content, moment: datetime, tz: ZoneInfo) -> str:
    return f"cop-{moment.astimezone(tz):%Y-%m-%d-%H%M}.ics"
