"""One appointment opened from a staff list, and the actions that only make sense on it.

The lists (`admin.telegram.lists`) show a button per appointment; opening one sends its card
with every action its status allows (`admin.telegram.cards.detail_markup`). The buttons it
shares with the booking card (confirm, decline, another time, back) live in
`admin.telegram.booking_cards`; the note is typed (`admin.telegram.typed_input`).

Callback prefixes owned here:
- `st:open:ID` open the appointment;
- `st:att:ID` / `st:ns:ID` mark the parent as come / not come;
- `st:rem:ID` send the parent a reminder now.
"""

from __future__ import annotations

from telegram import Update

from admin import appointments
from admin import staff as staff_service
from admin.telegram import cards
from admin.telegram.access import open_or_refuse, refuse, user_id_of
from admin.telegram.replies import answer_already_handled, callback_parts, query_of, show_view
from admin.texts import status_name
from bot.context import BotContext
from bot.i18n import _
from bot.ui import require_message
from storage.errors import AlreadyHandled, InvalidTransition, NotAllowed, NotFound
from storage.models import AppointmentStatus as S


async def open_appointment(update: Update, context: BotContext) -> None:
    """Open one appointment with every action its status allows."""
    services = context.services
    appointment_id = int(callback_parts(update)[2])
    try:
        view = await open_or_refuse(update, context, appointment_id)
    except NotFound:
        await query_of(update).answer(_("Този час вече не съществува."))
        return
    if view is None:
        return
    await query_of(update).answer()
    await require_message(update).reply_text(
        cards.card_text(view, services.content, services.settings.tz),
        reply_markup=cards.detail_markup(view),
    )


async def mark(update: Update, context: BotContext) -> None:
    """Mark the parent as come or not come."""
    services = context.services
    action, appointment_id = callback_parts(update)[1], int(callback_parts(update)[2])
    service = appointments.mark_attended if action == "att" else appointments.mark_no_show
    try:
        view = service(services, appointment_id=appointment_id, staff_user_id=user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await answer_already_handled(update, context, appointment_id, exc)
        return
    except InvalidTransition:
        await query_of(update).answer(_("Това се отбелязва в деня на часа."), show_alert=True)
        return
    await query_of(update).answer(
        _("Отбелязано: {status}.").format(status=status_name(view.status))
    )
    await show_view(update, context, view)


async def remind_now(update: Update, context: BotContext) -> None:
    """Send the parent a reminder now (only for a confirmed appointment)."""
    services = context.services
    appointment_id = int(callback_parts(update)[2])
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=user_id_of(update)
        )
        member = staff_service.check(services.db, user_id_of(update))
    except NotAllowed:
        await refuse(update, context)
        return
    if view.status != S.confirmed:
        await query_of(update).answer(_("Напомняне се изпраща само за потвърден час."))
        return
    # The outbox owns sending (claim, rate limits, errors); imported on use.
    from admin.telegram.outbox import send_now

    sent = await send_now(context.bot, services, appointment_id, member.actor)
    await query_of(update).answer(
        _("Напомнянето е изпратено.") if sent else _("Напомнянето не беше изпратено."),
        show_alert=not sent,
    )
