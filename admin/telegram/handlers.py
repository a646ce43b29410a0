"""Staff commands and buttons (`st:`), and parents' answers to staff proposals (`prop:`).

Thin: parse the update, call one `admin` service (which checks the staff list on every
call), render with `admin.telegram.cards`. Anyone who is not staff gets the ordinary
"Не успях да разбера…" answer and nothing more.
"""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from telegram import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from admin import appointments, export, hours, lists, stats
from admin import staff as staff_service
from admin.appointments import AppointmentView
from admin.dates import parse_day
from admin.ics import appointment_ics, ics_filename
from admin.telegram import cards
from admin.telegram.notify import announce_parent_change, refresh_cards
from admin.texts import short_stamp, status_name
from bot.answers import not_understood_text
from bot.config import Settings
from bot.context import BotContext
from bot.i18n import _, language
from bot.services import Services
from bot.ui import main_menu, require_message
from storage.errors import (
    AlreadyHandled,
    InvalidTransition,
    NotAllowed,
    NotFound,
    SlotTaken,
    SlotUnavailable,
)
from storage.models import AppointmentStatus as S
from storage.models import StaffRole
from storage.staff import InviteExpired, InviteInvalid, InviteUsed

log = logging.getLogger(__name__)

TYPING = 0  # the staff member is typing a reason or a note
INPUT_KEY = "staff_input"
TYPING_TIMEOUT_SECONDS = 15 * 60


# --- small helpers ----------------------------------------------------------------------------


def _user_id(update: Update) -> int:
    user = update.effective_user
    if user is None:
        raise NotAllowed("no user")
    return user.id


def _query(update: Update) -> CallbackQuery:
    query = update.callback_query
    assert query is not None
    return query


def _parts(update: Update) -> list[str]:
    return (_query(update).data or "").split(":")


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


async def refuse(update: Update, context: BotContext) -> None:
    """Not staff (or not theirs): the ordinary "did not understand" answer, nothing more."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    if not _is_private(update):
        return  # in groups the bot stays silent, as the fallback does
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id, not_understood_text(context.services.content), reply_markup=main_menu()
    )


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await require_message(update).reply_text(
        text, reply_markup=markup, disable_web_page_preview=True
    )


async def _edit_markup(update: Update, markup: InlineKeyboardMarkup | None) -> None:
    """Swap the tapped message's buttons, keeping its text."""
    query = _query(update)
    message = query.message
    text = message.text if message is not None and isinstance(message, Message) else None
    try:
        if text:
            await query.edit_message_text(text, reply_markup=markup, disable_web_page_preview=True)
        else:
            await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def _already_text(exc: AlreadyHandled, services: Services) -> str:
    if exc.by and exc.at:
        return _("Вече е {status}: {who}, {when}.").format(
            status=status_name(exc.status),
            who=exc.by,
            when=short_stamp(exc.at, services.settings.tz),
        )
    return _("Вече е {status}.").format(status=status_name(exc.status))


async def _show_view(update: Update, context: BotContext, view: AppointmentView) -> None:
    """After an action: edit every card, and the opened appointment if that was tapped."""
    services = context.services
    await refresh_cards(context.bot, services, view.id, view)
    query = update.callback_query
    if query is None or query.message is None:
        return
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if staff_service.is_card(services.db, chat_id, message_id):
        return
    text = cards.card_text(view, services.content, services.settings.tz)
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=cards.detail_markup(view)
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            log.warning("appointment %s view not edited: BadRequest", view.id)


async def _already(
    update: Update, context: BotContext, appointment_id: int, exc: AlreadyHandled
) -> None:
    """Someone else acted first: say who and when, and show the card as it is now."""
    await _query(update).answer(_already_text(exc, context.services), show_alert=True)
    try:
        view = appointments.load(context.services, appointment_id)
    except NotFound:
        return
    await _show_view(update, context, view)


async def _to_parent(
    context: BotContext,
    view: AppointmentView,
    build: object,
    *,
    markup: InlineKeyboardMarkup | None = None,
    ics: bool = False,
) -> None:
    """Write to the parent in their language; a failure is logged (ids only), not raised."""
    if view.parent_chat_id is None:
        return
    services = context.services
    tz, now = services.settings.tz, services.now()
    with language(view.parent_language):
        text = build(view, services.content, tz, now)  # type: ignore[operator]
        if markup is None and view.status in (S.declined, S.cancelled_by_staff):
            markup = cards.book_again_markup()
        caption = _("Добавете часа в календара си с този файл.")
        document = appointment_ics(view, services.content, tz) if ics else None
    try:
        await context.bot.send_message(
            view.parent_chat_id, text, reply_markup=markup, disable_web_page_preview=True
        )
        if document is not None:
            await context.bot.send_document(
                view.parent_chat_id,
                document=document,
                filename=ics_filename(services.content, view.start, tz),
                caption=caption,
            )
    except TelegramError as exc:
        log.warning("parent of appointment %s not told: %s", view.id, type(exc).__name__)


def button(
    callback: Callable[[Update, BotContext], Awaitable[Any]],
) -> Callable[[Update, BotContext], Awaitable[Any]]:
    """Answer a staff button whose appointment is gone or cannot take the action."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: BotContext) -> Any:
        try:
            return await callback(update, context)
        except NotFound:
            await _query(update).answer(_("Този час вече не съществува."), show_alert=True)
        except InvalidTransition:
            await _query(update).answer(
                _("Това действие не е възможно за този час."), show_alert=True
            )
        return ConversationHandler.END

    return guarded


# --- the card's buttons -----------------------------------------------------------------------


async def confirm(update: Update, context: BotContext) -> None:
    """Confirm the request: the parent gets the details and a calendar file; cards update."""
    services = context.services
    appointment_id = int(_parts(update)[2])
    try:
        view = appointments.confirm(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await _already(update, context, appointment_id, exc)
        return
    log.info("appointment %s confirmed by staff %s", appointment_id, _user_id(update))
    await _query(update).answer(_("Потвърдено. Родителят е уведомен."))
    await _show_view(update, context, view)
    await _to_parent(context, view, cards.confirmed_text, ics=True)


async def ask_reason(update: Update, context: BotContext) -> None:
    """Show the preset reasons (and "Друга причина") in place of the card's buttons."""
    services = context.services
    action, appointment_id = _parts(update)[1], int(_parts(update)[2])
    kind = "d" if action == "no" else "c"
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return
    expected = S.pending if kind == "d" else S.confirmed
    if view.status != expected:
        exc = AlreadyHandled(view.status, view.handled_by, view.handled_at)
        await _already(update, context, appointment_id, exc)
        return
    await _query(update).answer()
    await _edit_markup(update, cards.reasons_markup(view, services.content, kind))


def _decline_or_cancel(
    services: Services, kind: str, appointment_id: int, staff_user_id: int, reason: str
) -> AppointmentView:
    if kind == "d":
        return appointments.decline(
            services, appointment_id=appointment_id, staff_user_id=staff_user_id, reason=reason
        )
    return appointments.cancel_by_staff(
        services, appointment_id=appointment_id, staff_user_id=staff_user_id, reason=reason
    )


async def _finish_decline(update: Update, context: BotContext, view: AppointmentView) -> None:
    await _show_view(update, context, view)
    build = cards.declined_text if view.status == S.declined else cards.cancelled_text
    await _to_parent(context, view, build)


async def preset_reason(update: Update, context: BotContext) -> None:
    """Decline (or cancel) with a reason from the content file; the parent is told kindly."""
    services = context.services
    _st, _r, kind, raw_id, raw_index = _parts(update)
    appointment_id = int(raw_id)
    reasons = services.content.booking.decline_reasons
    index = int(raw_index)
    if index >= len(reasons):
        await _query(update).answer(_("Този бутон вече не е активен."))
        return
    try:
        view = _decline_or_cancel(services, kind, appointment_id, _user_id(update), reasons[index])
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await _already(update, context, appointment_id, exc)
        return
    log.info("appointment %s %s by staff %s", appointment_id, view.status, _user_id(update))
    await _query(update).answer(_("Готово. Родителят е уведомен."))
    await _finish_decline(update, context, view)


async def start_typing(update: Update, context: BotContext) -> int:
    """Ask for a typed reason ("Друга причина") or a staff note; the next message is it."""
    services = context.services
    parts = _parts(update)
    if parts[1] == "note":
        kind, appointment_id = "n", int(parts[2])
    else:
        kind, appointment_id = parts[2], int(parts[3])
    try:
        appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[INPUT_KEY] = {"kind": kind, "id": appointment_id}
    await _query(update).answer()
    prompt = (
        _("Напишете бележка към час №{id} (вижда я само екипът). /cancel — без бележка.")
        if kind == "n"
        else _("Напишете причината за час №{id}; родителят ще я прочете. /cancel — назад.")
    )
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(
        chat.id,
        prompt.format(id=appointment_id),
        reply_markup=ForceReply(input_field_placeholder=_("Текст")),
    )
    return TYPING


async def typed_text(update: Update, context: BotContext) -> int:
    """Use the typed text as the reason or the note, then report back."""
    services = context.services
    assert context.user_data is not None
    pending = context.user_data.pop(INPUT_KEY, None)
    message = require_message(update)
    text = (message.text or "").strip()[:500]
    if not pending or not text:
        return ConversationHandler.END
    kind, appointment_id = str(pending["kind"]), int(pending["id"])
    try:
        if kind == "n":
            view = appointments.add_note(
                services, appointment_id=appointment_id, staff_user_id=_user_id(update), text=text
            )
        else:
            view = _decline_or_cancel(services, kind, appointment_id, _user_id(update), text)
    except NotAllowed:
        await refuse(update, context)
        return ConversationHandler.END
    except AlreadyHandled as exc:
        await message.reply_text(_already_text(exc, services))
        return ConversationHandler.END
    await refresh_cards(context.bot, services, appointment_id, view)
    if kind == "n":
        await message.reply_text(_("Бележката е записана към час №{id}.").format(id=view.id))
    else:
        await message.reply_text(_("Готово: час №{id}. Родителят е уведомен.").format(id=view.id))
        build = cards.declined_text if view.status == S.declined else cards.cancelled_text
        await _to_parent(context, view, build)
    return ConversationHandler.END


async def typing_cancelled(update: Update, context: BotContext) -> int:
    """Stop waiting for the typed text."""
    if context.user_data is not None:
        context.user_data.pop(INPUT_KEY, None)
    await require_message(update).reply_text(_("Добре, нищо не е променено."))
    return ConversationHandler.END


async def typing_timeout(update: Update, context: BotContext) -> None:
    """Forget an unfinished reason or note after a while (nothing is changed)."""
    if context.user_data is not None:
        context.user_data.pop(INPUT_KEY, None)


async def choose_slot(update: Update, context: BotContext) -> None:
    """Show free slots to propose instead ("Друг час"), a page at a time."""
    services = context.services
    parts = _parts(update)
    appointment_id = int(parts[2])
    offset = int(parts[3]) if len(parts) > 3 else 0
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update)
        )
        if view.status not in (S.pending, S.confirmed):
            raise AlreadyHandled(view.status, view.handled_by, view.handled_at)
        free = appointments.free_slots_for(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await _already(update, context, appointment_id, exc)
        return
    if not free:
        await _query(update).answer(_("Няма свободни часове в следващите дни."), show_alert=True)
        return
    await _query(update).answer()
    await _edit_markup(update, cards.slots_markup(view, free, services.settings.tz, offset))


async def propose_slot(update: Update, context: BotContext) -> None:
    """Send the chosen slot to the parent as a proposal to accept or refuse."""
    services = context.services
    parts = _parts(update)
    appointment_id = int(parts[2])
    start = datetime.fromtimestamp(int(parts[3]) * 60, UTC)
    try:
        view = appointments.propose(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update), start=start
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await _already(update, context, appointment_id, exc)
        return
    except (SlotTaken, SlotUnavailable):
        await _query(update).answer(_("Този час вече не е свободен."), show_alert=True)
        return
    log.info("appointment %s: staff %s proposed another time", appointment_id, _user_id(update))
    await _query(update).answer(_("Предложението е изпратено на родителя."))
    await _show_view(update, context, view)
    if view.parent_chat_id is not None:
        with language(view.parent_language):
            markup = cards.proposal_markup(view)
        await _to_parent(context, view, cards.proposal_text, markup=markup)


async def open_appointment(update: Update, context: BotContext) -> None:
    """Open one appointment with every action its status allows."""
    services = context.services
    appointment_id = int(_parts(update)[2])
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return
    except NotFound:
        await _query(update).answer(_("Този час вече не съществува."))
        return
    await _query(update).answer()
    await require_message(update).reply_text(
        cards.card_text(view, services.content, services.settings.tz),
        reply_markup=cards.detail_markup(view),
    )


async def back(update: Update, context: BotContext) -> None:
    """Put the card's (or the opened appointment's) own buttons back."""
    services = context.services
    appointment_id = int(_parts(update)[2])
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update)
        )
    except NotAllowed:
        await refuse(update, context)
        return
    await _query(update).answer()
    query = _query(update)
    assert query.message is not None
    if staff_service.is_card(services.db, query.message.chat.id, query.message.message_id):
        await _edit_markup(update, cards.card_markup(view))
    else:
        await _edit_markup(update, cards.detail_markup(view))


async def mark(update: Update, context: BotContext) -> None:
    """Mark the parent as come or not come."""
    services = context.services
    action, appointment_id = _parts(update)[1], int(_parts(update)[2])
    service = appointments.mark_attended if action == "att" else appointments.mark_no_show
    try:
        view = service(services, appointment_id=appointment_id, staff_user_id=_user_id(update))
    except NotAllowed:
        await refuse(update, context)
        return
    except AlreadyHandled as exc:
        await _already(update, context, appointment_id, exc)
        return
    except InvalidTransition:
        await _query(update).answer(_("Това се отбелязва в деня на часа."), show_alert=True)
        return
    await _query(update).answer(_("Отбелязано: {status}.").format(status=status_name(view.status)))
    await _show_view(update, context, view)


async def remind_now(update: Update, context: BotContext) -> None:
    """Send the parent a reminder now (only for a confirmed appointment)."""
    services = context.services
    appointment_id = int(_parts(update)[2])
    try:
        view = appointments.open_for_staff(
            services, appointment_id=appointment_id, staff_user_id=_user_id(update)
        )
        member = staff_service.check(services.db, _user_id(update))
    except NotAllowed:
        await refuse(update, context)
        return
    if view.status != S.confirmed:
        await _query(update).answer(_("Напомняне се изпраща само за потвърден час."))
        return
    # The reminders work owns sending (claim, rate limits, errors); imported on use.
    from admin.telegram.reminders import send_now

    sent = await send_now(context.bot, services, appointment_id, member.actor)
    await _query(update).answer(
        _("Напомнянето е изпратено.") if sent else _("Напомнянето не беше изпратено."),
        show_alert=not sent,
    )


async def notify_closure(update: Update, context: BotContext) -> None:
    """Cancel the closed day's appointments and tell each parent kindly."""
    services = context.services
    day = datetime.strptime(_parts(update)[2], "%Y%m%d").date()
    try:
        hit = hours.cancel_for_closure(services, staff_user_id=_user_id(update), day=day)
    except NotAllowed:
        await refuse(update, context)
        return
    await _query(update).answer(_("Родителите са уведомени: {n}.").format(n=len(hit)))
    for view in hit:
        await refresh_cards(context.bot, services, view.id, view)
        await _to_parent(context, view, cards.cancelled_text)
    await _edit_markup(update, None)
    await _reply(update, _("Отменени часове и уведомени родители: {n}.").format(n=len(hit)))


async def stale(update: Update, context: BotContext) -> None:
    """A staff button this version does not know: say so."""
    try:
        staff_service.check(context.services.db, _user_id(update))
    except NotAllowed:
        await refuse(update, context)
        return
    await _query(update).answer(_("Този бутон вече не е активен."))


# --- parents' answers to a proposal -----------------------------------------------------------


async def proposal_answer(update: Update, context: BotContext) -> None:
    """Accept (move and confirm) or refuse the time staff proposed."""
    services = context.services
    query = _query(update)
    _prop, answer, raw_id = _parts(update)
    appointment_id = int(raw_id)
    try:
        if answer == "yes":
            view = appointments.accept_proposal(
                services, appointment_id=appointment_id, parent_user_id=_user_id(update)
            )
        else:
            view = appointments.refuse_proposal(
                services, appointment_id=appointment_id, parent_user_id=_user_id(update)
            )
    except (NotAllowed, NotFound):
        await refuse(update, context)
        return
    except (AlreadyHandled, SlotUnavailable, InvalidTransition):
        await query.answer()
        await _edit_markup(update, None)
        await _reply(update, _("Това предложение вече не е актуално."))
        return
    except SlotTaken:
        await query.answer()
        await _edit_markup(update, None)
        await _reply(
            update,
            _("За съжаление този час вече не е свободен. Екипът ще Ви предложи друг."),
        )
        await announce_parent_change(context.bot, services, appointment_id, "slot_taken")
        return
    await query.answer()
    await _edit_markup(update, None)
    if answer == "yes":
        await _to_parent(context, view, cards.confirmed_text, ics=True)
        await announce_parent_change(context.bot, services, appointment_id, "accepted_proposal")
    else:
        await _reply(update, _("Благодарим Ви за отговора. Предаваме го на екипа."))
        await announce_parent_change(context.bot, services, appointment_id, "refused_proposal")


# --- commands ---------------------------------------------------------------------------------


async def _send_list(
    update: Update, context: BotContext, title: str, first: date, last: date
) -> None:
    services = context.services
    try:
        views = lists.between(services, staff_user_id=_user_id(update), first=first, last=last)
    except NotAllowed:
        await refuse(update, context)
        return
    tz = services.settings.tz
    await _reply(
        update, cards.list_text(title, views, services.content, tz), cards.list_markup(views, tz)
    )


def _today(services: Services) -> date:
    return services.local_now().date()


async def today(update: Update, context: BotContext) -> None:
    """Show today's appointments with a button to open each."""
    day = _today(context.services)
    await _send_list(update, context, _("📋 Днес"), day, day)


async def tomorrow(update: Update, context: BotContext) -> None:
    """Show tomorrow's appointments with a button to open each."""
    day = date.fromordinal(_today(context.services).toordinal() + 1)
    await _send_list(update, context, _("📋 Утре"), day, day)


async def week(update: Update, context: BotContext) -> None:
    """Show the next seven days, grouped by day."""
    first = _today(context.services)
    last = date.fromordinal(first.toordinal() + 6)
    await _send_list(update, context, _("📋 Следващите 7 дни"), first, last)


async def pending(update: Update, context: BotContext) -> None:
    """Show every future request still waiting for an answer."""
    services = context.services
    try:
        views = lists.pending(services, staff_user_id=_user_id(update))
    except NotAllowed:
        await refuse(update, context)
        return
    tz = services.settings.tz
    title = _("⏳ Чакат потвърждение")
    await _reply(
        update, cards.list_text(title, views, services.content, tz), cards.list_markup(views, tz)
    )


async def find(update: Update, context: BotContext) -> None:
    """Find appointments by the parent's name or phone."""
    services = context.services
    text = " ".join(context.args or [])
    try:
        views = lists.find(services, staff_user_id=_user_id(update), text=text)
    except NotAllowed:
        await refuse(update, context)
        return
    if not text.strip():
        await _reply(update, _("Напишете: /find име или телефон"))
        return
    tz = services.settings.tz
    title = _("🔎 Намерени часове")
    await _reply(
        update, cards.list_text(title, views, services.content, tz), cards.list_markup(views, tz)
    )


async def show_stats(update: Update, context: BotContext) -> None:
    """Show the month's numbers (this month, or /stats 2026-10)."""
    services = context.services
    try:
        month = (
            stats.parse_month(context.args[0]) if context.args else _today(services).replace(day=1)
        )
    except ValueError:
        month = None
    try:
        staff_service.check(services.db, _user_id(update))
        if month is None:
            await _reply(update, _("Напишете: /stats или /stats 2026-11"))
            return
        numbers = stats.month_stats(services, staff_user_id=_user_id(update), month=month)
    except NotAllowed:
        await refuse(update, context)
        return
    await _reply(update, cards.stats_text(numbers, services.content))


async def show_hours(update: Update, context: BotContext) -> None:
    """Show the weekly hours, slot rules and closed days."""
    services = context.services
    try:
        staff_service.check(services.db, _user_id(update))
    except NotAllowed:
        await refuse(update, context)
        return
    await _reply(update, cards.hours_text(hours.show(services.db)))


async def close(update: Update, context: BotContext) -> None:
    """Admin: close a day; list the appointments it hits and offer to notify the parents."""
    services = context.services
    args = context.args or []
    try:
        staff_service.check(services.db, _user_id(update), StaffRole.admin)
    except NotAllowed:
        await refuse(update, context)
        return
    try:
        day = parse_day(args[0], _today(services)) if args else None
    except ValueError:
        day = None
    if day is None or day < _today(services):
        await _reply(update, _("Напишете: /close 24.12.2026 причина (датата не е минала)"))
        return
    reason = " ".join(args[1:]).strip()[:200] or None
    try:
        hit = hours.close_day(services, staff_user_id=_user_id(update), day=day, reason=reason)
    except NotAllowed:
        await refuse(update, context)
        return
    tz = services.settings.tz
    title = _("🚫 Денят {day} е затворен за записване.").format(day=f"{day:%d.%m.%Y}")
    if not hit:
        await _reply(update, f"{title}\n{_('Няма засегнати часове.')}")
        return
    markup = cards.list_markup(hit, tz)
    rows = list(markup.inline_keyboard) if markup else []
    notify = _("📨 Отмени и уведоми родителите")
    rows.append((InlineKeyboardButton(notify, callback_data=f"st:cl:{day:%Y%m%d}"),))
    await _reply(
        update,
        cards.list_text(title + "\n" + _("Засегнати часове:"), hit, services.content, tz),
        InlineKeyboardMarkup(rows),
    )


async def open_(update: Update, context: BotContext) -> None:
    """Admin: open a closed day again."""
    services = context.services
    args = context.args or []
    try:
        staff_service.check(services.db, _user_id(update), StaffRole.admin)
        day = parse_day(args[0], _today(services)) if args else None
    except NotAllowed:
        await refuse(update, context)
        return
    except ValueError:
        day = None
    if day is None:
        await _reply(update, _("Напишете: /open 24.12.2026"))
        return
    opened = hours.open_day(services, staff_user_id=_user_id(update), day=day)
    text = (
        _("✅ Денят {day} отново е отворен за записване.")
        if opened
        else _("Денят {day} не беше затворен.")
    )
    await _reply(update, text.format(day=f"{day:%d.%m.%Y}"))


async def export_month(update: Update, context: BotContext) -> None:
    """Admin: send this month's appointments as a CSV file (opens in Excel)."""
    services = context.services
    first = _today(services).replace(day=1)
    last = stats.month_last_day(first)
    try:
        data = export.export_for_staff(
            services, staff_user_id=_user_id(update), first=first, last=last
        )
    except NotAllowed:
        await refuse(update, context)
        return
    await require_message(update).reply_document(
        document=data,
        filename=f"cop-{first:%Y-%m}.csv",
        caption=_("Часовете за {month}: CSV (UTF-8), отваря се с Excel.").format(
            month=f"{first:%m.%Y}"
        ),
    )


def _staff_help() -> str:
    return _(
        "Команди на екипа:\n"
        "/today, /tomorrow, /week — часовете по дни\n"
        "/pending — заявки, които чакат отговор\n"
        "/find име или телефон\n"
        "/stats [2026-11] — статистика за месеца\n"
        "/hours — работно време\n"
        "/close ДАТА [причина], /open ДАТА, /export — за администратори"
    )


async def group_start(update: Update, context: BotContext) -> None:
    """/start or /help in a group: the staff commands for staff, silence for anybody else."""
    try:
        staff_service.check(context.services.db, _user_id(update))
    except NotAllowed:
        await refuse(update, context)
        return
    await _reply(update, _staff_help())


async def join(update: Update, context: BotContext) -> None:
    """Join the staff with a one-time invite code: /staff CODE."""
    services = context.services
    user = update.effective_user
    if user is None:
        return
    code = "".join(context.args or [])
    if not code:
        try:
            staff_service.check(services.db, user.id)
        except NotAllowed:
            await refuse(update, context)
            return
        await _reply(update, _staff_help())
        return
    chat = update.effective_chat
    private_chat = chat.id if chat is not None and chat.type == "private" else None
    try:
        member = staff_service.join(
            services.db,
            code=code,
            telegram_user_id=user.id,
            name=user.full_name[:100],
            chat_id=private_chat,
        )
    except InviteInvalid:
        await _reply(update, _("Кодът не е верен. Проверете го или поискайте нов."))
        return
    except InviteUsed:
        await _reply(update, _("Този код вече е използван. Поискайте нов от администратора."))
        return
    except InviteExpired:
        await _reply(update, _("Кодът е изтекъл. Поискайте нов от администратора."))
        return
    log.info("staff %s joined with an invite (role %s)", user.id, member.role)
    role = _("администратор") if member.is_admin else _("служител")
    await _reply(
        update,
        _("Добре дошли в екипа, {name}. Роля: {role}.").format(name=member.name, role=role)
        + "\n\n"
        + _staff_help(),
    )


# --- wiring -----------------------------------------------------------------------------------


def _typing_conversation(settings: Settings) -> ConversationHandler:  # type: ignore[type-arg]
    with warnings.catch_warnings():
        # Buttons only start it; the typed text is tracked per chat and user, as intended.
        warnings.simplefilter("ignore")
        return ConversationHandler(
            entry_points=[
                CallbackQueryHandler(button(start_typing), pattern=r"^st:r:[dc]:\d+:x$"),
                CallbackQueryHandler(button(start_typing), pattern=r"^st:note:\d+$"),
            ],
            states={
                TYPING: [MessageHandler(filters.TEXT & ~filters.COMMAND, typed_text)],
                ConversationHandler.TIMEOUT: [MessageHandler(filters.ALL, typing_timeout)],
            },
            fallbacks=[CommandHandler("cancel", typing_cancelled)],
            name="staff_input",
            persistent=True,
            allow_reentry=True,
            conversation_timeout=TYPING_TIMEOUT_SECONDS,
        )


def handlers(settings: Settings) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Staff commands and buttons; each checks the staff list itself, on every call."""
    return [
        _typing_conversation(settings),  # before the buttons: it owns "Друга причина"/note
        CommandHandler("staff", join),
        # Before the parents' /start and /help: no parents' menu keyboard in the staff group.
        CommandHandler(["start", "help"], group_start, filters=~filters.ChatType.PRIVATE),
        CommandHandler("today", today),
        CommandHandler("tomorrow", tomorrow),
        CommandHandler("week", week),
        CommandHandler("pending", pending),
        CommandHandler("find", find),
        CommandHandler("stats", show_stats),
        CommandHandler("hours", show_hours),
        CommandHandler("close", close),
        CommandHandler("open", open_),
        CommandHandler("export", export_month),
        CallbackQueryHandler(button(confirm), pattern=r"^st:ok:\d+$"),
        CallbackQueryHandler(button(ask_reason), pattern=r"^st:(no|cx):\d+$"),
        CallbackQueryHandler(button(preset_reason), pattern=r"^st:r:[dc]:\d+:\d+$"),
        CallbackQueryHandler(button(choose_slot), pattern=r"^st:mv:\d+(:\d+)?$"),
        CallbackQueryHandler(button(propose_slot), pattern=r"^st:ms:\d+:\d+$"),
        CallbackQueryHandler(button(open_appointment), pattern=r"^st:open:\d+$"),
        CallbackQueryHandler(button(back), pattern=r"^st:back:\d+$"),
        CallbackQueryHandler(button(mark), pattern=r"^st:(att|ns):\d+$"),
        CallbackQueryHandler(button(remind_now), pattern=r"^st:rem:\d+$"),
        CallbackQueryHandler(button(notify_closure), pattern=r"^st:cl:\d{8}$"),
        CallbackQueryHandler(stale, pattern=r"^st:"),
        CallbackQueryHandler(proposal_answer, pattern=r"^prop:(yes|no):\d+$"),
    ]
