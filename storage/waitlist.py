"""The waiting list: who waits for which days, and freed places held for one person at a time.

A freed place (`on_place_freed`, called in the transaction that frees it) goes to the first
person on the list whom it suits and who has not been offered it yet: a `WaitlistHold` keeps
it for them for `HOLD` (from the morning when it frees in quiet hours). While held the place
counts as taken for everybody else (`storage.slots`). The offer itself is a message written
in the same transaction (`notify`).

Locks: SQLite serialises every transaction (BEGIN IMMEDIATE). PostgreSQL takes
transaction-scoped advisory locks in the project's key space (storage.locks): a slot's,
a parent's, and the list's own.
Whoever takes or creates a hold takes the slot's lock, then the list's. Passing a place on
only *tries* the slot's lock (the caller may hold other slots, in any order): a place whose
lock is busy is left to the job's next round (`offer_free_places`), so no lock cycle can form.
Closing a hold (declined, expired, void) only frees a place and needs the list's lock alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, col, delete, func, select

from bot.i18n import _, format_clock, format_when, language
from storage import outbox, slots
from storage.errors import SlotUnavailable
from storage.locks import LockSpace, advisory_lock, slot_key, try_advisory_lock
from storage.models import (
    ACTIVE_STATUSES,
    Appointment,
    HoldState,
    Outbox,
    Parent,
    PartOfDay,
    WaitlistEntry,
    WaitlistHold,
)
from storage.outbox import Buttons
from storage.reminders import ReminderPolicy
from storage.rules import load_rules

HOLD = timedelta(minutes=30)
OFFER_KIND = "waitlist_offer"
LIST_LOCK_KEY = 0  # the one key of LockSpace.waitlist
NOON = time(12, 0)


def lock_list(session: Session) -> None:
    """Serialise every change of the list and its holds (PostgreSQL; SQLite already is)."""
    advisory_lock(session, LockSpace.waitlist, LIST_LOCK_KEY)


def try_lock_slot(session: Session, start: datetime) -> bool:
    """The slot's lock (as `storage.booking.lock_slot` takes it) if nobody holds it now."""
    return try_advisory_lock(session, LockSpace.slot, slot_key(start))


# --- quiet hours ----------------------------------------------------------------------------


def _local_clock(moment: datetime, policy: ReminderPolicy) -> time:
    return moment.astimezone(policy.tz).time().replace(tzinfo=None)


def is_quiet(moment: datetime, policy: ReminderPolicy) -> bool:
    """Inside [quiet_start, quiet_end) on the centre's clock (REMINDER_QUIET_START/END)."""
    clock, start, end = _local_clock(moment, policy), policy.quiet_start, policy.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def not_quiet(moment: datetime, policy: ReminderPolicy) -> datetime:
    """`moment`, or the end of the quiet hours it falls in (the morning)."""
    if not is_quiet(moment, policy):
        return moment
    local = moment.astimezone(policy.tz)
    day = local.date()
    if _local_clock(moment, policy) >= policy.quiet_end:
        day += timedelta(days=1)
    return datetime.combine(day, policy.quiet_end, tzinfo=policy.tz).astimezone(UTC)


# --- what suits whom ------------------------------------------------------------------------


def parse_weekdays(value: str) -> tuple[int, ...]:
    return tuple(sorted({int(d) for d in value.split(",") if d.strip().isdigit()} & set(range(7))))


def suits(entry: WaitlistEntry, start: datetime, policy: ReminderPolicy) -> bool:
    """Is a place at `start` on a day and at a part of the day the person asked for?"""
    local = start.astimezone(policy.tz)
    if local.weekday() not in parse_weekdays(entry.weekdays):
        return False
    if entry.part_of_day == PartOfDay.morning:
        return local.time() < NOON
    if entry.part_of_day == PartOfDay.afternoon:
        return local.time() >= NOON
    return True


# --- plain views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryView:
    """One person on the list (name and phone for staff; never logged)."""

    id: int
    parent_id: int
    telegram_user_id: int
    chat_id: int
    name: str | None
    phone: str | None
    topic: str
    weekdays: tuple[int, ...]
    part_of_day: str
    joined_at: datetime
    held_start: datetime | None = None


@dataclass(frozen=True)
class HoldView:
    """A place held for one person, with where to tell them."""

    id: int
    start: datetime
    end: datetime
    entry_id: int | None
    state: str
    offered_at: datetime
    hold_until: datetime
    chat_id: int | None
    telegram_user_id: int | None
    language: str
    topic: str | None


def entry_view(session: Session, entry: WaitlistEntry) -> EntryView:
    parent = session.get(Parent, entry.parent_id)
    assert parent is not None and entry.id is not None
    held = session.exec(
        select(WaitlistHold.start).where(
            WaitlistHold.entry_id == entry.id, WaitlistHold.state == HoldState.held
        )
    ).first()
    return EntryView(
        id=entry.id,
        parent_id=entry.parent_id,
        telegram_user_id=parent.telegram_user_id,
        chat_id=parent.chat_id,
        name=parent.display_name,
        phone=parent.phone,
        topic=entry.topic,
        weekdays=parse_weekdays(entry.weekdays),
        part_of_day=entry.part_of_day,
        joined_at=entry.joined_at,
        held_start=held,
    )


def hold_view(session: Session, hold: WaitlistHold) -> HoldView:
    entry = session.get(WaitlistEntry, hold.entry_id) if hold.entry_id is not None else None
    parent = session.get(Parent, entry.parent_id) if entry is not None else None
    assert hold.id is not None
    return HoldView(
        id=hold.id,
        start=hold.start,
        end=hold.end,
        entry_id=hold.entry_id,
        state=hold.state,
        offered_at=hold.offered_at,
        hold_until=hold.hold_until,
        chat_id=parent.chat_id if parent else None,
        telegram_user_id=parent.telegram_user_id if parent else None,
        language=parent.language if parent else "bg",
        topic=entry.topic if entry else None,
    )


# --- messages written with the change -------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A message the bot sends on its own, written in the transaction that causes it."""

    chat_id: int
    kind: str  # outbox kind: waitlist_offer / waitlist_expired / waitlist_ended / survey
    text: str
    buttons: Buttons  # rows of (label, callback data)
    due_at: datetime


def notify(session: Session, notice: Notice) -> None:
    """Put `notice` in the outbox, in the caller's transaction (sent only if it commits)."""
    outbox.enqueue(
        session,
        chat_id=notice.chat_id,
        kind=notice.kind,
        text=notice.text,
        buttons=notice.buttons,
        due_at=notice.due_at,
    )


def offer_notice(hold: HoldView, policy: ReminderPolicy) -> Notice:
    """ "A place freed up: …; held for You until …", with take / not for me."""
    assert hold.chat_id is not None
    with language(hold.language):
        body = _(
            "Освободи се час, който може да Ви е удобен:\n{when}\n\n"
            "Пазим го за Вас до {until} ч. Ако не Ви е удобен, ще го предложим на следващия "
            "в списъка."
        ).format(
            when=format_when(hold.start, policy.tz, hold.offered_at),
            until=format_clock(hold.hold_until.astimezone(policy.tz)),
        )
        buttons = [
            [(_("✅ Запазете този час"), f"wl:take:{hold.id}")],
            [(_("Не ми е удобно"), f"wl:no:{hold.id}")],
        ]
    return Notice(hold.chat_id, OFFER_KIND, body, buttons, hold.offered_at)


def expired_notice(hold: HoldView, now: datetime, policy: ReminderPolicy) -> Notice:
    """ "The time to answer ran out; You stay on the list." """
    assert hold.chat_id is not None
    with language(hold.language):
        body = _(
            "Времето за отговор на предложения час изтече и го предложихме на следващия в "
            "списъка. Оставате в списъка на чакащите."
        )
        buttons = [[(_("Излезте от списъка"), "wl:leave")]]
    return Notice(hold.chat_id, "waitlist_expired", body, buttons, not_quiet(now, policy))


# --- holds and the free-place count ---------------------------------------------------------


def max_future_bookings() -> int:
    # storage.booking and storage.appointments import this module: read it at call time.
    from storage.booking import MAX_FUTURE_BOOKINGS

    return MAX_FUTURE_BOOKINGS


def _future_active(session: Session, parent_id: int, now: datetime) -> int:
    query = select(func.count()).where(
        Appointment.parent_id == parent_id,
        Appointment.start > now,
        col(Appointment.status).in_([str(s) for s in ACTIVE_STATUSES]),
    )
    return int(session.exec(query).one())


def _offered_before(session: Session, entry_id: int, start: datetime) -> bool:
    return (
        session.exec(
            select(WaitlistHold.id).where(
                WaitlistHold.entry_id == entry_id, WaitlistHold.start == start
            )
        ).first()
        is not None
    )


def holding(session: Session) -> set[int]:
    """Entries that hold a place right now (one offer per person at a time)."""
    rows = session.exec(
        select(WaitlistHold.entry_id).where(WaitlistHold.state == HoldState.held)
    ).all()
    return {r for r in rows if r is not None}


def _offer_slot(
    session: Session,
    start: datetime,
    entries: list[WaitlistEntry],
    busy: set[int],
    *,
    now: datetime,
    policy: ReminderPolicy,
    skip_parent: int | None = None,
) -> list[HoldView]:
    """Hold the free places of the slot at `start` for the first suitable people."""
    candidates = [
        e
        for e in entries
        if e.id not in busy and e.parent_id != skip_parent and suits(e, start, policy)
    ]  # in memory first: most freed places suit nobody, and then cost no query
    if not candidates:
        return []
    offered_at = not_quiet(now, policy)
    hold_until = offered_at + HOLD
    try:
        # Bookable until the hold runs out: lead time and horizon as the booking will check.
        rules, slot_start, slot_end = slots.slot_at(session, policy.tz, start, hold_until)
    except SlotUnavailable:
        return []
    free = rules.places_per_slot - slots.active_count(session, slot_start, slot_end)
    made: list[HoldView] = []
    for entry in candidates:
        if free <= 0:
            break
        assert entry.id is not None
        if entry.id in busy or _offered_before(session, entry.id, slot_start):
            continue
        if _future_active(session, entry.parent_id, now) >= max_future_bookings():
            continue
        hold = WaitlistHold(
            start=slot_start,
            end=slot_end,
            entry_id=entry.id,
            offered_at=offered_at,
            hold_until=hold_until,
            state=HoldState.held,
        )
        session.add(hold)
        session.flush()
        view = hold_view(session, hold)
        notify(session, offer_notice(view, policy))
        made.append(view)
        busy.add(entry.id)
        free -= 1
    return made


def _queue(session: Session) -> list[WaitlistEntry]:
    return list(
        session.exec(
            select(WaitlistEntry).order_by(col(WaitlistEntry.joined_at), col(WaitlistEntry.id))
        ).all()
    )


def on_places_freed(
    session: Session,
    starts: Iterable[datetime],
    *,
    now: datetime,
    policy: ReminderPolicy,
    skip_parent: int | None = None,
) -> list[HoldView]:
    """Offer each freed place to the first person on the list it suits (caller's transaction).

    `skip_parent`: whoever just gave the place up is not offered it back.
    """
    wanted = sorted({s.astimezone(UTC) for s in starts})
    if not wanted or session.exec(select(WaitlistEntry.id)).first() is None:
        return []
    # Never wait for a slot here: a busy one is offered by the job's next round.
    wanted = [start for start in wanted if try_lock_slot(session, start)]
    lock_list(session)
    entries = _queue(session)
    busy = holding(session)
    made: list[HoldView] = []
    for start in wanted:
        made.extend(
            _offer_slot(
                session, start, entries, busy, now=now, policy=policy, skip_parent=skip_parent
            )
        )
    return made


def on_place_freed(
    session: Session,
    start: datetime,
    *,
    now: datetime,
    policy: ReminderPolicy,
    skip_parent: int | None = None,
) -> list[HoldView]:
    """A place at `start` was freed in this transaction: offer it to the list."""
    return on_places_freed(session, [start], now=now, policy=policy, skip_parent=skip_parent)


def offer_free_places(
    session: Session, *, now: datetime, policy: ReminderPolicy
) -> list[HoldView]:
    """Offer every free place of the horizon that suits somebody (hours widened, day opened).

    Also the job's safety net: a place freed where no hook runs is still offered.
    """
    if session.exec(select(WaitlistEntry.id)).first() is None:
        return []
    rules = load_rules(session)
    first, last = slots.bookable_days(rules, policy.tz, now)
    days = slots.free_slots_between(session, policy.tz, now, first, last, rules=rules)
    return on_places_freed(
        session, [slot.start for day in sorted(days) for slot in days[day]], now=now, policy=policy
    )


def close_hold(session: Session, hold: WaitlistHold, state: HoldState, now: datetime) -> None:
    hold.state, hold.closed_at = state, now
    session.add(hold)


def leave_in(session: Session, parent_id: int, *, now: datetime) -> list[datetime]:
    """Take the parent off the list (booked, left, forgotten); the places they held are freed.

    Returns the starts of the places they held, for the caller to pass on.
    """
    entry = session.exec(select(WaitlistEntry).where(WaitlistEntry.parent_id == parent_id)).first()
    if entry is None:
        return []
    lock_list(session)
    parent = session.get(Parent, parent_id)
    if parent is not None:  # an offer still waiting for the morning is no longer wanted
        outbox.withdraw(
            session,
            col(Outbox.chat_id) == parent.chat_id,
            col(Outbox.kind) == OFFER_KIND,
            error="left the waiting list",
        )
    freed: list[datetime] = []
    holds = session.exec(select(WaitlistHold).where(WaitlistHold.entry_id == entry.id)).all()
    for hold in holds:
        if hold.state == HoldState.held:
            close_hold(session, hold, HoldState.void, now)
            freed.append(hold.start)
        hold.entry_id = None  # the history stays, the link to the person goes
        session.add(hold)
    session.flush()
    session.exec(delete(WaitlistEntry).where(col(WaitlistEntry.id) == entry.id))  # type: ignore[call-overload]
    return freed
