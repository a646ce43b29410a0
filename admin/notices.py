"""What the bot says on its own about a change, rendered and put in the outbox with it.

Every function here takes the caller's session and writes outbox rows (`storage.outbox`)
inside the caller's transaction: the staff card of a new booking, the parent's
confirmation / decline / proposed time (+ .ics), the staff's "the parent cancelled …" line,
and the edits that keep every staff card up to date. Nothing is sent here; the dispatcher
(`admin.outbox`) does that. Texts are rendered now, in the recipient's language (staff
always read Bulgarian). No telegram import: the web desk calls the same services.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from admin.ics import appointment_ics, ics_filename
from admin.texts import (
    as_typed,
    compact_when,
    language_mark,
    mark,
    short_stamp,
    status_name,
    topic_title,
)
from admin.views import AppointmentView, view_of
from bot.centre import Content
from bot.i18n import N_, _, format_when, language, ngettext
from bot.services import Services
from storage import outbox
from storage.clock import utcnow
from storage.models import Appointment, Outbox, StaffCard, StaffMember
from storage.models import AppointmentStatus as S
from storage.outbox import Buttons, Kind
from storage.parents import display_phone

# Staff always read cards in Bulgarian (one card in a shared group).
STAFF_LANGUAGE = "bg"
MY_BOOKINGS_LABEL = N_("🗓 Моите часове")  # the main-menu label (bot.ui.MENU_LABELS["my"])

CHANGES: dict[str, str] = {
    "cancelled": N_("❌ Родителят отмени часа: {name}, {when}"),
    "moved": N_("🔁 Родителят премести часа: {name}, нов час {when}"),
    "coming": N_("👍 {name} ще дойде: {when}"),
    "cant_come": N_("❌ {name} не може да дойде ({when}); часът е отменен."),
    "unreachable": N_("⚠️ Ботът не може да пише на {name} ({when}): напомнянето не е доставено."),
    "reminder_failed": N_("⚠️ Напомнянето до {name} ({when}) не беше изпратено. Обадете се."),
    "notice_failed": N_("⚠️ Не успяхме да уведомим {name} ({when}). Обадете се."),
    "accepted_proposal": N_("✅ {name} прие предложения час: {when}"),
    "refused_proposal": N_("↩️ {name} не прие предложения час; заявката е за {when}."),
    "slot_taken": N_("⚠️ {name} прие предложения час, но той вече не е свободен. Предложете друг."),
    "forgotten": N_("🗑 Родител изтри данните си; часът {when} е отменен."),
}

ParentText = Callable[[AppointmentView, Content, ZoneInfo, datetime], str]


# --- the staff card -----------------------------------------------------------------------


def _status_line(view: AppointmentView, tz: ZoneInfo) -> str:
    who = view.handled_by or _("екипа")
    if view.handled_via == "web":  # the web desk's actions say where they were taken
        who = _("{who} (от уеб)").format(who=who)
    stamp = short_stamp(view.handled_at, tz) if view.handled_at else ""
    if view.status == S.pending:
        return _("⏳ Чака потвърждение")
    if view.status == S.confirmed:
        return _("✅ Потвърден от {who} · {stamp}").format(who=who, stamp=stamp)
    if view.status == S.declined:
        return _("❌ Отказан от {who} · {stamp}").format(who=who, stamp=stamp)
    if view.status == S.cancelled_by_staff:
        return _("❌ Отменен от {who} · {stamp}").format(who=who, stamp=stamp)
    if view.status == S.cancelled_by_parent:
        return _("❌ Отменен от родителя")
    if view.status == S.attended:
        return _("☑️ Дойде")
    if view.status == S.no_show:
        return _("🚫 Не дойде")
    return f"{mark(view.status)} {status_name(view.status)}"


def notice_line(view: AppointmentView) -> str | None:
    """Whether the parent has been told: only "уведомен" once Telegram took the message."""
    state = view.parent_notice
    if state in (outbox.OutboxState.pending, outbox.OutboxState.claimed):
        return _("📨 Изпращаме съобщение на родителя…")
    if state == outbox.OutboxState.sent:
        return _("📨 Родителят е уведомен")
    if state == outbox.OutboxState.failed:
        if view.parent_phone:
            return _("⚠️ Не успяхме да уведомим родителя — обадете се на {phone}").format(
                phone=display_phone(view.parent_phone)
            )
        return _("⚠️ Не успяхме да уведомим родителя, а телефон няма.")
    return None


def card_text(view: AppointmentView, content: Content, tz: ZoneInfo) -> str:
    """Compact card: when, name, tappable phone, topic, note, bookings so far, status."""
    lines = [f"{mark(view.status)} №{view.id} · {compact_when(view.start, tz)}"]
    lines.append(f"👤 {as_typed(view.parent_name or _('(данните са изтрити)'))}")
    if language_mark(view.parent_language):  # so staff know to bring an interpreter or call
        lines.append(language_mark(view.parent_language))
    if view.parent_phone:
        lines.append(f"☎️ {view.parent_phone}")  # E.164: Telegram makes it tappable
    lines.append(f"📋 {topic_title(content, view.topic)}")
    if view.note:
        lines.append(f"💬 {as_typed(view.note)}")  # as the parent wrote it
    if view.parent_id is not None:
        lines.append(
            ngettext("{n} записване досега", "{n} записвания досега", view.bookings_count).format(
                n=view.bookings_count
            )
        )
    lines.append(_status_line(view, tz))
    if view.reason_text():
        lines.append(_("Причина: {reason}").format(reason=view.reason_text()))
    if view.proposed_start is not None:
        lines.append(
            _("🔁 Предложен друг час: {when} — чака отговор").format(
                when=compact_when(view.proposed_start, tz)
            )
        )
    notice = notice_line(view)
    if notice:
        lines.append(notice)
    if view.parent_reply == "coming":
        lines.append(_("👍 Родителят ще дойде"))
    if view.parent_unreachable and view.parent_notice != outbox.OutboxState.failed:
        lines.append(_("⚠️ Ботът не може да пише на родителя"))
    if view.staff_note:
        lines.append(_("📝 {note}").format(note=view.staff_note))
    return "\n".join(lines)


def card_buttons(view: AppointmentView) -> Buttons:
    """Потвърди · Откажи · Друг час while pending; no buttons once someone acted."""
    if view.status != S.pending:
        return []
    return [
        [(_("✅ Потвърди"), f"st:ok:{view.id}")],
        [(_("❌ Откажи"), f"st:no:{view.id}"), (_("🔁 Друг час"), f"st:mv:{view.id}")],
    ]


def change_line(view: AppointmentView, change: str, tz: ZoneInfo) -> str:
    template = CHANGES.get(change, N_("ℹ️ Промяна по час №{id}: {when}"))
    return _(template).format(
        name=view.parent_name or _("родител"),
        when=compact_when(view.start, tz),
        id=view.id,
    )


# --- what parents read --------------------------------------------------------------------


def _cancel_hint(content: Content) -> str:
    return _(
        "Ако не можете да дойдете, отменете часа от „{menu}“ или се обадете на {phone}."
    ).format(menu=_(MY_BOOKINGS_LABEL), phone=content.contacts.main_phone.display)


def confirmed_text(view: AppointmentView, content: Content, tz: ZoneInfo, now: datetime) -> str:
    """Date, time, address, what to expect, how to cancel."""
    lines = [
        _("✅ Часът Ви е потвърден: {when}").format(when=format_when(view.start, tz, now)),
        _("Адрес: {address}").format(address=_(content.contacts.address)),
    ]
    if content.booking.what_to_expect:
        lines.append(_(content.booking.what_to_expect))
    lines.append(_cancel_hint(content))
    return "\n".join(lines)


def declined_text(view: AppointmentView, content: Content, tz: ZoneInfo, now: datetime) -> str:
    return _refusal_text(
        _("За съжаление не можем да Ви приемем: {when}").format(
            when=format_when(view.start, tz, now)
        ),
        view.decline_reason,
        _("Можете да изберете друг час или да се обадите на {phone}.").format(
            phone=content.contacts.main_phone.display
        ),
    )


def cancelled_text(view: AppointmentView, content: Content, tz: ZoneInfo, now: datetime) -> str:
    return _refusal_text(
        _("За съжаление центърът отказа часа Ви: {when}").format(
            when=format_when(view.start, tz, now)
        ),
        view.cancel_reason,
        _("Извиняваме се. Можете да изберете друг час или да се обадите на {phone}.").format(
            phone=content.contacts.main_phone.display
        ),
    )


def _refusal_text(head: str, reason: str | None, way_on: str) -> str:
    """What the parent reads when the centre says no: the time, the reason if any, what next."""
    lines = [head]
    if reason:
        lines.append(_("Причина: {reason}").format(reason=_(reason)))
    lines.append(way_on)
    return "\n".join(lines)


def book_again_buttons() -> Buttons:
    return [[(_("📅 Изберете друг час"), "book:start")]]


def proposal_text(view: AppointmentView, content: Content, tz: ZoneInfo, now: datetime) -> str:
    assert view.proposed_start is not None
    return _("Екипът на {centre} Ви предлага друг час: {when} Удобен ли е за Вас?").format(
        centre=_(content.centre.name), when=format_when(view.proposed_start, tz, now)
    )


def proposal_buttons(view: AppointmentView) -> Buttons:
    yes = (_("✅ Приемам"), f"prop:yes:{view.id}")
    no = (_("❌ Не ми е удобно"), f"prop:no:{view.id}")
    return [[yes, no]]


# --- into the outbox ----------------------------------------------------------------------


def staff_chats(session: Session, services: Services) -> list[int]:
    """Where cards go: the staff group, or else every staff member's private chat."""
    if services.settings.staff_chat_id is not None:
        return [services.settings.staff_chat_id]
    members = session.exec(select(StaffMember).order_by(col(StaffMember.id))).all()
    # In a private chat the chat id is the user id.
    return [m.chat_id or m.telegram_user_id for m in members]


def _card_chats(session: Session, services: Services, appointment_id: int) -> list[int]:
    """Chats that have (or are about to get) a card of the appointment."""
    posted = session.exec(
        select(StaffCard.chat_id).where(StaffCard.appointment_id == appointment_id)
    ).all()
    queued = session.exec(
        select(Outbox.chat_id).where(
            Outbox.appointment_id == appointment_id, Outbox.kind == Kind.staff_card
        )
    ).all()
    chats = {int(c) for c in (*posted, *queued)}
    return sorted(chats) or staff_chats(session, services)


def new_booking(session: Session, services: Services, appointment_id: int) -> None:
    """The new request's card, with Потвърди · Откажи · Друг час, to every staff chat."""
    view = view_of(session, _get(session, appointment_id))
    with language(STAFF_LANGUAGE):
        text = card_text(view, services.content, services.settings.tz)
        buttons = card_buttons(view)
    for chat_id in staff_chats(session, services):
        outbox.enqueue(
            session,
            chat_id=chat_id,
            kind=Kind.staff_card,
            appointment_id=appointment_id,
            text=text,
            buttons=buttons,
        )


def refresh_cards(session: Session, services: Services, appointment_id: int) -> None:
    """Edit every card of the appointment to show its state as of this transaction."""
    session.flush()
    view = view_of(session, _get(session, appointment_id))
    with language(STAFF_LANGUAGE):
        text = card_text(view, services.content, services.settings.tz)
        buttons = card_buttons(view)
    for chat_id in _card_chats(session, services, appointment_id):
        outbox.enqueue(
            session,
            chat_id=chat_id,
            kind=Kind.card_edit,
            appointment_id=appointment_id,
            text=text,
            buttons=buttons,
            edit_card=True,
        )


def tell_staff(session: Session, services: Services, appointment_id: int, change: str) -> None:
    """One short line under the card ("the parent cancelled …"), then the cards updated."""
    session.flush()
    view = view_of(session, _get(session, appointment_id))
    with language(STAFF_LANGUAGE):
        text = change_line(view, change, services.settings.tz)
    for chat_id in staff_chats(session, services):
        outbox.enqueue(
            session,
            chat_id=chat_id,
            kind=Kind.staff_notice,
            appointment_id=appointment_id,
            text=text,
            reply_to_card=True,
        )
    refresh_cards(session, services, appointment_id)


def tell_parent(
    session: Session,
    services: Services,
    appointment_id: int,
    build: ParentText,
    *,
    ics: bool = False,
) -> bool:
    """The parent's message (and calendar file) in their language, then the cards updated.

    Returns False when the parent has no chat any more (forgotten): nothing to send.
    """
    session.flush()
    view = view_of(session, _get(session, appointment_id))
    if view.parent_chat_id is None:
        return False
    tz, now = services.settings.tz, utcnow()
    with language(view.parent_language):
        text = build(view, services.content, tz, now)
        if build is proposal_text:
            buttons = proposal_buttons(view)
        elif view.status in (S.declined, S.cancelled_by_staff):
            buttons = book_again_buttons()
        else:
            buttons = []
        caption = _("Добавете часа в календара си с този файл.")
        document = appointment_ics(view, services.content, tz) if ics else None
    outbox.enqueue(
        session,
        chat_id=view.parent_chat_id,
        kind=Kind.parent_notice,
        appointment_id=appointment_id,
        text=text,
        buttons=buttons,
        report_to_cards=document is None,
    )
    if document is not None:
        outbox.enqueue(
            session,
            chat_id=view.parent_chat_id,
            kind=Kind.parent_notice,
            appointment_id=appointment_id,
            text=caption,
            document=document,
            document_name=ics_filename(services.content, view.start, tz),
            report_to_cards=True,
        )
    refresh_cards(session, services, appointment_id)
    return True


def announce(services: Services, appointment_id: int, change: str) -> None:
    """`tell_staff` in a transaction of its own (for a change that wrote nothing itself)."""
    with services.db.session() as session:
        tell_staff(session, services, appointment_id, change)


def _get(session: Session, appointment_id: int) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise LookupError(f"appointment {appointment_id}")
    return appointment


class StaffAnnouncer:
    """`storage.outbox.Announcer` for the storage services: parents' changes told to staff."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def booked(self, session: Session, appointment_id: int) -> None:
        new_booking(session, self.services, appointment_id)

    def parent_changed(self, session: Session, appointment_id: int, change: str) -> None:
        tell_staff(session, self.services, appointment_id, change)

    def refresh(self, session: Session, appointment_id: int) -> None:
        refresh_cards(session, self.services, appointment_id)


def announcer(services: Services) -> StaffAnnouncer:
    return StaffAnnouncer(services)
