"""The centre's opening rules as one plain object: weekly hours, slot size, closed days."""

from __future__ import annotations

import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from itertools import chain
from typing import Any, TypeVar

from sqlalchemy import URL, event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from storage.db import Database
from storage.models import BookingRules, ClosedDay, OpeningHours

T = TypeVar("T")


@dataclass(frozen=True)
class OpeningRules:
    # weekday (0 = Monday) -> open intervals in time order; a missing weekday is closed.
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    slot_minutes: int = 60
    places_per_slot: int = 1
    min_lead_minutes: int = 120
    horizon_days: int = 21
    # Whether staff set these hours; until then they are an assumption, never told as fact.
    hours_set: bool = False

    @cached_property
    def week(self) -> tuple[tuple[int, tuple[tuple[time, time], ...]], ...]:
        """The weekly hours in a hashable form (a key for per-day caches)."""
        return tuple(sorted(self.hours.items()))


# Every answer about hours and every booking step needs the rules, and they change a few
# times a year: keep them per database. A change committed in this process clears the
# cache at once; a change by another process (`cop-admin hours set`) is seen within
# RULES_TTL_SECONDS.
RULES_TTL_SECONDS = 5.0
_RULE_TABLES = frozenset({"bookingrules", "openinghours", "closedday"})
_cache: dict[URL, tuple[float, OpeningRules]] = {}
# Closed days the same way (a few rows a year); the booking itself reads them live.
_closed_cache: dict[URL, tuple[float, dict[date, str | None]]] = {}


def load_rules(session: Session) -> OpeningRules:
    if session.info.get("rules_changed"):  # this transaction changed them: its own state
        return read_rules(session)
    return _cached(_cache, session, read_rules)


def rules_of(db: Database) -> OpeningRules:
    """The rules, from the cache when fresh: the info views then open no session at all."""
    fresh = _fresh(_cache, db.engine.url)
    if fresh is not None:
        return fresh
    with db.read() as session:
        return load_rules(session)


def _fresh(cache: dict[URL, tuple[float, T]], key: URL) -> T | None:
    hit = cache.get(key)
    if hit is None or clock.monotonic() - hit[0] >= RULES_TTL_SECONDS:
        return None
    return hit[1]


def _cached(
    cache: dict[URL, tuple[float, T]], session: Session, read: Callable[[Session], T]
) -> T:
    """`read(session)` kept per database for RULES_TTL_SECONDS (dropped on a change here)."""
    key = session.get_bind().engine.url  # the same for the database's every engine
    fresh = _fresh(cache, key)
    if fresh is None:
        fresh = read(session)
        cache[key] = (clock.monotonic(), fresh)
    return fresh


@event.listens_for(OrmSession, "after_flush")
def _note_flushed_rules(session: OrmSession, _context: Any) -> None:
    touched = chain(session.new, session.dirty, session.deleted)
    if any(getattr(obj, "__tablename__", None) in _RULE_TABLES for obj in touched):
        session.info["rules_changed"] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _note_bulk_rules(state: ORMExecuteState) -> None:
    if state.is_delete or state.is_update or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _RULE_TABLES:
            state.session.info["rules_changed"] = True


@event.listens_for(OrmSession, "after_commit")
def _drop_changed_rules(session: OrmSession) -> None:
    if session.info.pop("rules_changed", False):
        _cache.clear()
        _closed_cache.clear()


@event.listens_for(OrmSession, "after_rollback")
def _forget_rolled_back(session: OrmSession) -> None:
    session.info.pop("rules_changed", None)


def read_rules(session: Session) -> OpeningRules:
    """The rules as stored now (no cache)."""
    rules = session.get(BookingRules, 1) or BookingRules(id=1)
    by_day: dict[int, list[tuple[time, time]]] = {}
    for row in session.exec(
        select(OpeningHours).order_by(col(OpeningHours.weekday), col(OpeningHours.opens))
    ):
        by_day.setdefault(row.weekday, []).append((row.opens, row.closes))
    return OpeningRules(
        hours={day: tuple(spans) for day, spans in by_day.items()},
        slot_minutes=rules.slot_minutes,
        places_per_slot=rules.places_per_slot,
        min_lead_minutes=rules.min_lead_minutes,
        horizon_days=rules.horizon_days,
        hours_set=rules.hours_set,
    )


def mark_hours_set(session: Session) -> None:
    """Record that staff set the opening hours: from now on the bot tells them as fact."""
    rules = session.get(BookingRules, 1) or BookingRules(id=1)
    rules.hours_set = True
    session.add(rules)


def closed_days(
    session: Session, start: date, end: date, *, live: bool = False
) -> dict[date, str | None]:
    """Closed days in [start, end] with their reasons (public holidays are separate).

    Cached like the rules; `live` reads the table as it is now (the booking's own check,
    so that a day closed by another process a second ago is never booked).
    """
    if live or session.info.get("rules_changed"):
        rows = session.exec(select(ClosedDay).where(ClosedDay.day >= start, ClosedDay.day <= end))
        return {row.day: row.reason for row in rows}
    every = _cached(_closed_cache, session, _every_closed_day)
    return {day: reason for day, reason in every.items() if start <= day <= end}


def _every_closed_day(session: Session) -> dict[date, str | None]:
    return {row.day: row.reason for row in session.exec(select(ClosedDay))}
