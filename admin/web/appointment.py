"""One appointment's page and every staff action on it, from any page of the desk.

The actions call the same `admin.appointments` services as the Telegram cards: the staff
check, the row lock, the audit trail, the reminders, and the parent's message and the
cards' edits as outbox rows of the same transaction ("… (от уеб)" on the cards). A double
action has one winner: the other sees who was first and when. Every action is a POST that
redirects (PRG).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import groupby

from sqlmodel import col, select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin import appointments
from admin.appointments import AppointmentView
from admin.audit import trail
from admin.staff import StaffInfo
from admin.telegram.replies import already_text
from admin.texts import compact_when, status_name
from admin.web import notices
from admin.web.render import flash, redirect, render
from admin.web.security import page, services_of
from bot.i18n import N_, _
from storage.errors import AlreadyHandled, InvalidTransition, NotFound, SlotTaken, SlotUnavailable
from storage.models import AppointmentStatus as S
from storage.models import Outbox
from storage.outbox import PARENT_KINDS

log = logging.getLogger(__name__)

REASON_MAX = 300
NOTE_MAX = 1000

ACTIONS = {
    "booked": N_("записан от родителя"),
    "moved": N_("преместен от родителя"),
    "move": N_("родителят прие предложения час"),
    "propose": N_("предложен друг час"),
    "refuse": N_("родителят не прие предложения час"),
    "note": N_("добавена бележка"),
    "reminder_manual": N_("напомняне, изпратено ръчно"),
    "reminder_reply": N_("отговор на напомняне"),
}
MESSAGE_KINDS = {
    "parent_notice": N_("съобщение"),
    "day_before": N_("напомняне в деня преди"),
    "hours_before": N_("напомняне часове преди"),
    "manual": N_("напомняне, изпратено ръчно"),
}
MESSAGE_STATES = {
    "pending": N_("⏳ предстои"),
    "claimed": N_("📤 изпраща се"),
    "sent": N_("✅ доставено"),
    "skipped": N_("⏭ пропуснато"),
    "withdrawn": N_("↩️ отменено"),
    "failed": N_("⚠️ неуспешно"),
}
FIRST_LINE = 90  # characters of a message shown in its row


def _id(request: Request) -> int:
    return int(request.path_params["appointment_id"])


def _back(request: Request, appointment_id: int, form_back: object) -> RedirectResponse:
    """Back to where the action was taken: Чакащи or the appointment's page."""
    if form_back == "pending":
        return redirect(request, "pending")
    return redirect(request, "appointment", appointment_id=appointment_id)


def _who(actor: str) -> str:
    """ "staff:501 Ива" -> "Ива"; the parent and the system in words."""
    if actor.startswith("staff:"):
        return actor.split(" ", 1)[1] if " " in actor else _("служител")
    if actor == "parent":
        return _("родителят")
    return _("системата")


async def _act(
    request: Request,
    member: StaffInfo,
    action: Callable[[int], AppointmentView],
    done: Callable[[AppointmentView], str],
) -> Response:
    """Run one service call; flash what happened (or who was first); back to the page.

    The service wrote the parent's message and the cards' edits to the outbox itself."""
    services = services_of(request)
    appointment_id = _id(request)
    form = await request.form()
    try:
        view = action(appointment_id)
    except AlreadyHandled as exc:
        flash(request, already_text(exc, services), "warn")
    except NotFound:
        flash(request, _("Този час вече не съществува."), "error")
        return redirect(request, "pending")
    except InvalidTransition:
        flash(request, _("Това действие не е възможно за този час."), "error")
    except (SlotTaken, SlotUnavailable):
        flash(request, _("Този час вече не е свободен."), "error")
    else:
        log.info("appointment %s: %s on the web by staff %s", view.id, view.status, member.id)
        flash(request, done(view))
    return _back(request, appointment_id, form.get("back"))


def reason_from(form: FormData, content_reasons: Sequence[str]) -> str | None:
    """A preset reason (by its index) or the typed one; None when neither was given."""
    choice = str(form.get("reason") or "")
    typed = str(form.get("other") or "").strip()[:REASON_MAX]
    if choice.isdigit() and int(choice) < len(content_reasons):
        return content_reasons[int(choice)]
    return typed or None


@page()
async def show(request: Request, member: StaffInfo) -> Response:
    """All details, the history, what reached the parent, the note and the actions."""
    services = services_of(request)
    try:
        view = appointments.open_for_staff(
            services, appointment_id=_id(request), staff_user_id=member.telegram_user_id
        )
    except NotFound:
        return render(request, "appointment/missing.html", member, 404)
    with services.db.read() as session:  # every message to the parent about it, from the outbox
        deliveries = list(
            session.exec(
                select(Outbox)
                .where(Outbox.appointment_id == view.id, col(Outbox.kind).in_(PARENT_KINDS))
                .order_by(col(Outbox.id))
            )
        )
    tz = services.settings.tz
    return render(
        request,
        "appointment/page.html",
        member,
        v=view,
        history=[(entry, _who(entry.actor)) for entry in trail(services.db, view.id)],
        actions=ACTIONS,
        deliveries=deliveries,
        message_kinds=MESSAGE_KINDS,
        message_states=MESSAGE_STATES,
        first_line=lambda text: (text or "").split("\n", 1)[0][:FIRST_LINE],
        reasons=services.content.booking.decline_reasons,
        can_mark=view.start.astimezone(tz).date() <= services.local_now().date(),
        compact_when=lambda moment: compact_when(moment, tz),
        S=S,
    )


@page()
async def confirm(request: Request, member: StaffInfo) -> Response:
    """Confirm: the parent gets the details and the calendar file."""
    services = services_of(request)
    return await _act(
        request,
        member,
        lambda i: appointments.confirm(
            services, appointment_id=i, staff_user_id=member.telegram_user_id, via="web"
        ),
        lambda v: _("Часът е потвърден. Родителят е уведомен."),
    )


async def _with_reason(request: Request, member: StaffInfo, cancel: bool) -> Response:
    services = services_of(request)
    form = await request.form()
    reason = reason_from(form, services.content.booking.decline_reasons)
    if reason is None:
        flash(request, _("Изберете причина или я напишете."), "error")
        return _back(request, _id(request), form.get("back"))
    service = appointments.cancel_by_staff if cancel else appointments.decline
    return await _act(
        request,
        member,
        lambda i: service(
            services,
            appointment_id=i,
            staff_user_id=member.telegram_user_id,
            reason=reason,
            via="web",
        ),
        lambda v: (
            _("Часът е отменен. Родителят е уведомен.")
            if cancel
            else _("Заявката е отказана. Родителят е уведомен.")
        ),
    )


@page()
async def decline(request: Request, member: StaffInfo) -> Response:
    """Decline a request with a preset or typed reason the parent reads."""
    return await _with_reason(request, member, cancel=False)


@page()
async def cancel(request: Request, member: StaffInfo) -> Response:
    """Cancel a confirmed appointment with a reason; its reminders are withdrawn."""
    return await _with_reason(request, member, cancel=True)


@page()
async def mark(request: Request, member: StaffInfo) -> Response:
    """Mark the parent as come or not come (from the day of the visit on)."""
    services = services_of(request)
    form = await request.form()
    no_show = form.get("to") == "no_show"
    service = appointments.mark_no_show if no_show else appointments.mark_attended
    return await _act(
        request,
        member,
        lambda i: service(services, appointment_id=i, staff_user_id=member.telegram_user_id),
        lambda v: _("Отбелязано: {status}.").format(status=status_name(v.status)),
    )


@page()
async def note(request: Request, member: StaffInfo) -> Response:
    """Add a staff-only note (the parent never sees it)."""
    services = services_of(request)
    form = await request.form()
    text = str(form.get("note") or "").strip()[:NOTE_MAX]
    if not text:
        flash(request, _("Напишете бележката."), "error")
        return _back(request, _id(request), None)
    return await _act(
        request,
        member,
        lambda i: appointments.add_note(
            services, appointment_id=i, staff_user_id=member.telegram_user_id, text=text
        ),
        lambda v: _("Бележката е записана."),
    )


@page()
async def remind(request: Request, member: StaffInfo) -> Response:
    """Send the parent a reminder now (a confirmed appointment only)."""
    services = services_of(request)
    appointment_id = _id(request)
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=member.telegram_user_id
        )
    except NotFound:
        flash(request, _("Този час вече не съществува."), "error")
        return redirect(request, "pending")
    if view.status != S.confirmed:
        flash(request, _("Напомняне се изпраща само за потвърден час."), "error")
    elif await notices.remind_now(request.app.state.application, appointment_id, member.actor):
        flash(request, _("Напомнянето е изпратено."))
    else:
        flash(request, _("Напомнянето не беше изпратено."), "error")
    return redirect(request, "appointment", appointment_id=appointment_id)


def _minutes(start: datetime) -> int:
    return int(start.timestamp()) // 60


@page()
async def choose_slot(request: Request, member: StaffInfo) -> Response:
    """Друг час: the free slots, day by day, to propose one to the parent."""
    services = services_of(request)
    appointment_id = _id(request)
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=member.telegram_user_id
        )
        free = appointments.free_slots_for(
            services,
            appointment_id=appointment_id,
            staff_user_id=member.telegram_user_id,
            limit=200,
        )
    except NotFound:
        return render(request, "appointment/missing.html", member, 404)
    tz = services.settings.tz
    days = [
        (day, [(s, _minutes(s)) for s in starts])
        for day, starts in groupby(free, key=lambda s: s.astimezone(tz).date())
    ]
    return render(
        request,
        "appointment/move.html",
        member,
        v=view,
        days=days,
        back=request.query_params.get("back", ""),
        S=S,
    )


@page()
async def propose(request: Request, member: StaffInfo) -> Response:
    """Send the chosen slot to the parent as a proposal to accept or refuse."""
    services = services_of(request)
    form = await request.form()
    raw = str(form.get("start") or "")
    if not raw.isdigit():
        flash(request, _("Изберете час."), "error")
        return redirect(request, "move", appointment_id=_id(request))
    start = datetime.fromtimestamp(int(raw) * 60, UTC)
    return await _act(
        request,
        member,
        lambda i: appointments.propose(
            services,
            appointment_id=i,
            staff_user_id=member.telegram_user_id,
            start=start,
            via="web",
        ),
        lambda v: _("Предложението е изпратено на родителя."),
    )


routes = [
    Route("/appointments/{appointment_id:int}", show, name="appointment"),
    Route("/appointments/{appointment_id:int}/confirm", confirm, methods=["POST"], name="confirm"),
    Route("/appointments/{appointment_id:int}/decline", decline, methods=["POST"], name="decline"),
    Route("/appointments/{appointment_id:int}/cancel", cancel, methods=["POST"], name="cancel"),
    Route("/appointments/{appointment_id:int}/mark", mark, methods=["POST"], name="mark"),
    Route("/appointments/{appointment_id:int}/note", note, methods=["POST"], name="note"),
    Route("/appointments/{appointment_id:int}/remind", remind, methods=["POST"], name="remind"),
    Route("/appointments/{appointment_id:int}/move", choose_slot, name="move"),
    Route("/appointments/{appointment_id:int}/move", propose, methods=["POST"], name="propose"),
]
