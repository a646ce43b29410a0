"""The booking card's buttons, and the parent's answer to a time staff proposed.

A new request reaches the staff chat as a card (`admin.telegram.notify`, texts and keyboards
in `admin.telegram.cards`); these handlers answer its buttons and call `admin.appointments`.

Callback prefixes owned here:
- `st:ok:ID` confirm the request;
- `st:no:ID` / `st:cx:ID` show the reasons to decline a request / cancel a confirmed one;
- `st:r:d:ID:N` / `st:r:c:ID:N` decline / cancel with preset reason N from the content file
  ("Друга причина", `st:r:[dc]:ID:x`, is typed: see `admin.telegram.typed_input`);
- `st:mv:ID[:OFFSET]` show free slots to propose instead, a page at a time;
- `st:ms:ID:MINUTES` propose that slot (start as Unix minutes) to the parent;
- `st:back:ID` put the card's (or the opened appointment's) own buttons back;
- `prop:yes:ID` / `prop:no:ID` the parent accepts or refuses the proposed time.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from telegram import Update

from admin import appointments, notices
from admin import staff as staff_service
from admin.appointments import AppointmentView
from admin.telegram import cards
from admin.telegram.access import open_or_refuse, refuse, user_id_of
from admin.telegram.replies import (
    answer_already_handled,
    callback_parts,
    edit_markup,
    query_of,
    reply,
    show_view,
)
from bot.context import BotContext
from bot.i18n import _
from bot.services import Services
from storage.errors import (
    AlreadyHandled,
    InvalidTransition,
    NotAllowed,
    NotFound,
    SlotTaken,
    SlotUnavailable,
)
from storage.models import AppointmentStatus as S

log = logging.getLogger(__name__)


async def confirm(update: Update, context: BotContext) -> None:
    """Confirm the request: the parent gets the details and a calendar file; cards update."""
    services = context.services
    appointment_id = int(callback_parts(update)[2])
    try:
        view = appointments.confirm(
            services, appointment_id=appointment_id, staff_user_id=user_id_of(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await answer_already_handled(update, context, appointment_id, exc)
        return
    log.info("appointment %s confirmed by staff %s", appointment_id, user_id_of(update))
    # The parent's message went into the outbox with the confirmation; the card says
    # "Родителят е уведомен" once Telegram took it.
    await query_of(update).answer(_("Потвърдено. Съобщението до родителя се изпраща."))
    await show_view(update, context, view)


async def ask_reason(update: Update, context: BotContext) -> None:
    """Show the preset reasons (and "Друга причина") in place of the card's buttons."""
    services = context.services
    action, appointment_id = callback_parts(update)[1], int(callback_parts(update)[2])
    kind = "d" if action == "no" else "c"
    view = await open_or_refuse(update, context, appointment_id)
    if view is None:
        return
    expected = S.pending if kind == "d" else S.confirmed
    if view.status != expected:
        exc = AlreadyHandled(view.status, view.handled_by, view.handled_at)
        await answer_already_handled(update, context, appointment_id, exc)
        return
    await query_of(update).answer()
    await edit_markup(update, cards.reasons_markup(view, services.content, kind))


def decline_or_cancel(
    services: Services, kind: str, appointment_id: int, staff_user_id: int, reason: str
) -> AppointmentView:
    """Decline a request (`kind` "d") or cancel a confirmed appointment ("c") with a reason."""
    if kind == "d":
        return appointments.decline(
            services, appointment_id=appointment_id, staff_user_id=staff_user_id, reason=reason
        )
    return appointments.cancel_by_staff(
        services, appointment_id=appointment_id, staff_user_id=staff_user_id, reason=reason
    )


async def preset_reason(update: Update, context: BotContext) -> None:
    """Decline (or cancel) with a reason from the content file; the parent is told kindly."""
    services = context.services
    _st, _r, kind, raw_id, raw_index = callback_parts(update)
    appointment_id = int(raw_id)
    reasons = services.content.booking.decline_reasons
    index = int(raw_index)
    if index >= len(reasons):
        await query_of(update).answer(_("Този бутон вече не е активен."))
        return
    try:
        view = decline_or_cancel(
            services, kind, appointment_id, user_id_of(update), reasons[index]
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await answer_already_handled(update, context, appointment_id, exc)
        return
    log.info("appointment %s %s by staff %s", appointment_id, view.status, user_id_of(update))
    await query_of(update).answer(_("Готово. Съобщението до родителя се изпраща."))
    await show_view(update, context, view)


async def choose_slot(update: Update, context: BotContext) -> None:
    """Show free slots to propose instead ("Друг час"), a page at a time."""
    services = context.services
    parts = callback_parts(update)
    appointment_id = int(parts[2])
    offset = int(parts[3]) if len(parts) > 3 else 0
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=user_id_of(update)
        )
        if view.status not in (S.pending, S.confirmed):
            raise AlreadyHandled(view.status, view.handled_by, view.handled_at)
        free = appointments.free_slots_for(
            services, appointment_id=appointment_id, staff_user_id=user_id_of(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await answer_already_handled(update, context, appointment_id, exc)
        return
    if not free:
        await query_of(update).answer(_("Няма свободни часове в следващите дни."), show_alert=True)
        return
    await query_of(update).answer()
    await edit_markup(update, cards.slots_markup(view, free, services.settings.tz, offset))


async def propose_slot(update: Update, context: BotContext) -> None:
    """Send the chosen slot to the parent as a proposal to accept or refuse."""
    services = context.services
    parts = callback_parts(update)
    appointment_id = int(parts[2])
    start = datetime.fromtimestamp(int(parts[3]) * 60, UTC)
    try:
        view = appointments.propose(
            services, appointment_id=appointment_id, staff_user_id=user_id_of(update), start=start
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await answer_already_handled(update, context, appointment_id, exc)
        return
    except (SlotTaken, SlotUnavailable):
        await query_of(update).answer(_("Този час вече не е свободен."), show_alert=True)
        return
    log.info("appointment %s: staff %s proposed another time", appointment_id, user_id_of(update))
    await query_of(update).answer(_("Предложението е изпратено на родителя."))
    await show_view(update, context, view)


async def back(update: Update, context: BotContext) -> None:
    """Put the card's (or the opened appointment's) own buttons back."""
    services = context.services
    appointment_id = int(callback_parts(update)[2])
    view = await open_or_refuse(update, context, appointment_id)
    if view is None:
        return
    await query_of(update).answer()
    query = query_of(update)
    assert query.message is not None
    if staff_service.is_card(services.db, query.message.chat.id, query.message.message_id):
        await edit_markup(update, cards.card_markup(view))
    else:
        await edit_markup(update, cards.detail_markup(view))


# --- the parent's answer to a proposal (`prop:`, in the parent's private chat) ------------------


async def proposal_answer(update: Update, context: BotContext) -> None:
    """Accept (move and confirm) or refuse the time staff proposed."""
    services = context.services
    query = query_of(update)
    _prop, answer, raw_id = callback_parts(update)
    appointment_id = int(raw_id)
    try:
        if answer == "yes":
            view = appointments.accept_proposal(
                services, appointment_id=appointment_id, parent_user_id=user_id_of(update)
            )
        else:
            view = appointments.refuse_proposal(
                services, appointment_id=appointment_id, parent_user_id=user_id_of(update)
            )
    except (NotAllowed, NotFound):
        await refuse(update, context)
        return
    except (AlreadyHandled, SlotUnavailable, InvalidTransition):
        await query.answer()
        await edit_markup(update, None)
        await reply(update, _("Това предложение вече не е актуално."))
        return
    except SlotTaken:
        await query.answer()
        await edit_markup(update, None)
        await reply(
            update,
            _("За съжаление този час вече не е свободен. Екипът ще Ви предложи друг."),
        )
        notices.announce(services, appointment_id, "slot_taken")
        return
    await query.answer()
    await edit_markup(update, None)
    # Accepted: the confirmation (+ .ics) and the staff's line are outbox rows of the move.
    if answer == "yes":
        log.info("appointment %s: the parent accepted the proposed time", view.id)
    else:
        await reply(update, _("Благодарим Ви за отговора. Предаваме го на екипа."))
