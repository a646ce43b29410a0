"""The waiting list's operations: join, leave, take or decline an offer, the job, staff's list.

The matching itself (who gets a freed place, the hold, the locks) is `storage.waitlist`,
because the booking services free places inside their own transactions. This module is what
flows, staff handlers and the job call: one short transaction each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babel.dates import get_day_names
from sqlmodel import Session, col, select

from admin import notices
from admin import staff as staff_service
from bot.centre import Content
from bot.i18n import _, babel_locale, language
from bot.services import Services
from storage import booking, parents
from storage import waitlist as repo
from storage.errors import NoConsent, NotAllowed, OfferGone
from storage.models import (
    Appointment,
    HoldState,
    Parent,
    PartOfDay,
    WaitlistEntry,
    WaitlistHold,
)
from storage.rules import load_rules
from storage.waitlist import EntryView, HoldView, Notice


def part_labels() -> dict[str, str]:
    """ "сутрин / следобед / всяко време" in the current language."""
    return {
        PartOfDay.morning: _("сутрин"),
        PartOfDay.afternoon: _("следобед"),
        PartOfDay.any: _("всяко време"),
    }


def wish_text(weekdays: tuple[int, ...] | list[int], part_of_day: str) -> str:
    """ "вторник, четвъртък, сутрин": what suits the person, for them and for staff."""
    names = get_day_names("wide", locale=babel_locale())
    days = ", ".join(names[d] for d in weekdays)
    return f"{days}, {part_labels().get(part_of_day, part_of_day)}"


def join(
    services: Services,
    *,
    telegram_user_id: int,
    chat_id: int,
    topic: str,
    weekdays: list[int],
    part_of_day: PartOfDay,
    name: str | None = None,
    phone: str | None = None,
    language_code: str = "bg",
) -> EntryView:
    """Put the parent on the list (or change what suits them; their place in it stays).

    The same consent as booking: NoConsent unless they agreed before. A free place that
    suits them already is offered at once.
    """
    now = services.now()
    days = sorted({d for d in weekdays if 0 <= d <= 6})
    if not days:
        raise ValueError("no weekday")
    with services.db.session() as session:
        parent = parents.locked(
            session,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            now=now,
            language=language_code,
        )
        if parent.consent_at is None:
            raise NoConsent()
        parent.updated_at = now  # activity: retention keeps a parent who waits
        session.add(parent)
        if name is not None and phone is not None:
            parents.set_contact(session, parent, name=name, phone=phone, now=now)
        assert parent.id is not None
        repo.lock_list(session)
        entry = session.exec(
            select(WaitlistEntry).where(WaitlistEntry.parent_id == parent.id)
        ).first() or WaitlistEntry(parent_id=parent.id, topic=topic, weekdays="", joined_at=now)
        entry.topic = topic
        entry.weekdays = ",".join(str(d) for d in days)
        entry.part_of_day = part_of_day
        session.add(entry)
        session.flush()
        view = repo.entry_view(session, entry)
    with services.db.session() as session:  # the list's lock after the slots' (storage.waitlist)
        repo.offer_free_places(session, now=now, policy=services.reminder_policy)
    return view


def entry_of(services: Services, telegram_user_id: int) -> EntryView | None:
    """The parent's place on the list, if any."""
    with services.db.read() as session:
        parent = parents.get(session, telegram_user_id)
        if parent is None:
            return None
        entry = session.exec(
            select(WaitlistEntry).where(WaitlistEntry.parent_id == parent.id)
        ).first()
        return repo.entry_view(session, entry) if entry else None


def leave(services: Services, *, telegram_user_id: int) -> bool:
    """ "Излезте от списъка": False if they were not on it. A held place goes to the next."""
    now = services.now()
    with services.db.session() as session:
        parents.lock_parent(session, telegram_user_id)
        parent = parents.get(session, telegram_user_id)
        if parent is None or parent.id is None:
            return False
        on_list = session.exec(
            select(WaitlistEntry.id).where(WaitlistEntry.parent_id == parent.id)
        ).first()
        if on_list is None:
            return False
        freed = repo.leave_in(session, parent.id, now=now)
        repo.on_places_freed(session, freed, now=now, policy=services.reminder_policy)
        return True


def _open_hold(session: Session, hold_id: int, telegram_user_id: int) -> WaitlistHold:
    """The hold, read after the locks; NotAllowed if it is somebody else's."""
    hold = session.get(WaitlistHold, hold_id, populate_existing=True)
    if hold is None:
        raise OfferGone(str(hold_id))
    entry = session.get(WaitlistEntry, hold.entry_id) if hold.entry_id is not None else None
    parent = session.get(Parent, entry.parent_id) if entry is not None else None
    if parent is None:
        raise OfferGone(str(hold_id))  # they left the list meanwhile
    if parent.telegram_user_id != telegram_user_id:
        raise NotAllowed("not this parent's offer")
    return hold


def _start_of(services: Services, hold_id: int) -> datetime:
    with services.db.read() as session:
        start = session.exec(select(WaitlistHold.start).where(WaitlistHold.id == hold_id)).first()
    if start is None:
        raise OfferGone(str(hold_id))
    return start


def take(
    services: Services, *, telegram_user_id: int, chat_id: int, hold_id: int, language_code: str
) -> Appointment:
    """ "Запазете този час": an ordinary pending booking (staff confirm as usual).

    OfferGone when the hold is no longer theirs to take (expired, declined, withdrawn);
    LimitReached as for any booking.
    """
    now = services.now()
    start = _start_of(services, hold_id)
    with services.db.session() as session:
        # Lock order of every booking: parent, slot; then the list.
        parents.lock_parent(session, telegram_user_id)
        booking.lock_slot(session, start)
        repo.lock_list(session)
        hold = _open_hold(session, hold_id, telegram_user_id)
        if hold.state != HoldState.held or hold.hold_until <= now:
            raise OfferGone(str(hold_id))
        entry = session.get(WaitlistEntry, hold.entry_id)
        assert entry is not None
        repo.close_hold(session, hold, HoldState.taken, now)
        session.flush()  # the place is no longer held: the booking may count it as free
        appointment = booking.book_in(
            session,
            telegram_user_id=telegram_user_id,
            chat_id=chat_id,
            topic=entry.topic,
            note=None,
            start=hold.start,
            request_key=f"wl:{hold_id}",
            tz=services.settings.tz,
            now=now,
            language=language_code,
            policy=services.reminder_policy,
            announce=notices.announcer(services),  # the ordinary staff card, in this commit
        )
        hold.appointment_id = appointment.id
        session.add(hold)
        return appointment


def decline(services: Services, *, telegram_user_id: int, hold_id: int) -> list[HoldView]:
    """ "Не ми е удобно": the place goes to the next person; they stay on the list."""
    now = services.now()
    start = _start_of(services, hold_id)
    with services.db.session() as session:
        booking.lock_slot(session, start)
        repo.lock_list(session)
        hold = _open_hold(session, hold_id, telegram_user_id)
        if hold.state != HoldState.held:
            raise OfferGone(str(hold_id))
        repo.close_hold(session, hold, HoldState.declined, now)
        session.flush()
        return repo.on_place_freed(session, start, now=now, policy=services.reminder_policy)


# --- the job --------------------------------------------------------------------------------


@dataclass
class Round:
    """What one run of the job did (counts for logs and tests; no names)."""

    expired: list[int] = field(default_factory=list)
    offered: list[HoldView] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)


def expire_due(services: Services, now: datetime) -> Round:
    """Holds whose 30 minutes ran out: tell the person, offer the place to the next."""
    done = Round()
    with services.db.read() as session:
        due = session.exec(
            select(WaitlistHold.id, WaitlistHold.start).where(
                WaitlistHold.state == HoldState.held, WaitlistHold.hold_until <= now
            )
        ).all()
    for hold_id, start in due:
        with services.db.session() as session:
            booking.lock_slot(session, start)
            repo.lock_list(session)
            hold = session.get(WaitlistHold, hold_id, populate_existing=True)
            if hold is None or hold.state != HoldState.held or hold.hold_until > now:
                continue  # taken or closed meanwhile
            view = repo.hold_view(session, hold)
            repo.close_hold(session, hold, HoldState.expired, now)
            session.flush()
            if view.chat_id is not None:
                repo.notify(session, repo.expired_notice(view, now, services.reminder_policy))
            done.expired.append(view.id)
            done.offered.extend(
                repo.on_place_freed(session, start, now=now, policy=services.reminder_policy)
            )
    return done


def horizon_notice(chat_id: int, lang: str, content: Content, days: int, now: datetime) -> Notice:
    """ "No place came in N days: You are off the list; call us", with the centre's phone."""
    with language(lang):
        body = _(
            "За съжаление през последните {days} дни не се освободи час, който да Ви е "
            "удобен, и Ви извадихме от списъка на чакащите.\n"
            "Обадете ни се на ☎️ {phone} и ще потърсим време заедно, или запазете час отново "
            "по всяко време."
        ).format(days=days, phone=content.contacts.main_phone.display)
        buttons = [[(_("📅 Запазете час"), "book:start")]]
    return Notice(chat_id, "waitlist_ended", body, buttons, now)


def end_at_horizon(services: Services, now: datetime) -> list[int]:
    """Take off the list whoever waited the whole booking horizon with no place offered."""
    ended: list[int] = []
    with services.db.session() as session:
        repo.lock_list(session)
        horizon = timedelta(days=load_rules(session).horizon_days)
        busy = repo.holding(session)
        old = session.exec(
            select(WaitlistEntry).where(col(WaitlistEntry.joined_at) <= now - horizon)
        ).all()
        for entry in old:
            assert entry.id is not None
            if entry.id in busy:
                continue  # a place is being offered: let them answer first
            parent = session.get(Parent, entry.parent_id)
            repo.leave_in(session, entry.parent_id, now=now)
            if parent is not None:
                when = repo.not_quiet(now, services.reminder_policy)
                repo.notify(
                    session,
                    horizon_notice(
                        parent.chat_id, parent.language, services.content, horizon.days, when
                    ),
                )
            ended.append(entry.id)
    return ended


def run_round(services: Services) -> Round:
    """The job: expire holds, end waits at the horizon, offer places freed without a hook."""
    now = services.now()
    done = expire_due(services, now)
    done.ended = end_at_horizon(services, now)
    with services.db.session() as session:
        done.offered.extend(
            repo.offer_free_places(session, now=now, policy=services.reminder_policy)
        )
    return done


# --- staff ----------------------------------------------------------------------------------


def listing(services: Services, *, staff_user_id: int) -> list[EntryView]:
    """Everyone on the list, first come first (role checked)."""
    with services.db.read() as session:
        staff_service.require(session, staff_user_id)
        entries = session.exec(
            select(WaitlistEntry).order_by(col(WaitlistEntry.joined_at), col(WaitlistEntry.id))
        ).all()
        return [repo.entry_view(session, e) for e in entries]
