"""Free places for staff's "Друг час", from the same slot rules the parents book by.

Thin over `storage.slots` (hours, holidays, closed days, lead time, horizon, capacity)
and the booking's locks, so a staff proposal and a parent's booking never both take
the last place.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage import slots as slot_rules
from storage.booking import lock_slot
from storage.errors import SlotUnavailable
from storage.parents import lock_parent
from storage.rules import load_rules

__all__ = ["free_slots", "has_room", "lock_parent", "lock_slot"]


def free_slots(
    session: Session, *, now: datetime, tz: ZoneInfo, limit: int = 40
) -> list[datetime]:
    """Starts (UTC) of slots with a free place, from now to the horizon, in time order."""
    rules = load_rules(session)
    first, last = slot_rules.bookable_days(rules, tz, now)
    days = slot_rules.free_slots_between(session, tz, now, first, last, rules=rules)
    return [slot.start for day in sorted(days) for slot in days[day]][:limit]


def has_room(
    session: Session,
    start: datetime,
    *,
    tz: ZoneInfo,
    now: datetime,
    exclude: int | None = None,
) -> bool:
    """Is `start` a bookable slot (open day, lead time, horizon) with a free place?

    Call it under `lock_slot` when the answer decides a write.
    """
    try:
        rules, slot_start, slot_end = slot_rules.slot_at(session, tz, start, now)
    except SlotUnavailable:
        return False
    taken = slot_rules.active_count(session, slot_start, slot_end, exclude_id=exclude)
    return taken < rules.places_per_slot
