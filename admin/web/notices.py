"""What a web action tells the parent and the staff chat: the one place the desk sends from.

The web desk calls the same `admin.appointments` services as the Telegram cards; afterwards
the parent gets the same messages and every posted card is edited to show who acted and
where. Until the outbox lands (the services will then write the notices as outbox rows in
the action's own transaction), these functions send through the bot directly; switching is
a change here only.

The sending runs beside the web request (`bot.background.run_later`), as staff notices do
beside a parent's update: a card edit may wait for the staff group's rate limit, and the
staff member should not wait for it to see the page.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from admin.appointments import AppointmentView
from admin.telegram import cards
from admin.telegram.notify import refresh_cards
from admin.telegram.replies import send_to_parent
from bot.background import run_later
from bot.context import SERVICES_KEY
from bot.i18n import language
from bot.services import Services
from storage.models import AppointmentStatus as S

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def _services(application: AnyApplication) -> Services:
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


async def _decided(application: AnyApplication, view: AppointmentView) -> None:
    services = _services(application)
    bot = application.bot
    await refresh_cards(bot, services, view.id, view)
    if view.status == S.confirmed:
        await send_to_parent(bot, services, view, cards.confirmed_text, ics=True)
    elif view.status == S.declined:
        await send_to_parent(bot, services, view, cards.declined_text)
    elif view.status == S.cancelled_by_staff:
        await send_to_parent(bot, services, view, cards.cancelled_text)


async def _proposed(application: AnyApplication, view: AppointmentView) -> None:
    services = _services(application)
    await refresh_cards(application.bot, services, view.id, view)
    if view.parent_chat_id is not None:
        with language(view.parent_language):
            markup = cards.proposal_markup(view)
        await send_to_parent(application.bot, services, view, cards.proposal_text, markup=markup)


def decided(application: AnyApplication, view: AppointmentView) -> None:
    """Confirmed, declined or cancelled: the parent is told as from a card; cards edited."""
    run_later(application, _decided(application, view))


def proposed(application: AnyApplication, view: AppointmentView) -> None:
    """Another time proposed: the parent gets it with Приемам · Не ми е удобно."""
    run_later(application, _proposed(application, view))


def changed(application: AnyApplication, view: AppointmentView) -> None:
    """Attendance or a note: only the cards change."""
    run_later(application, refresh_cards(application.bot, _services(application), view.id, view))


async def remind_now(application: AnyApplication, appointment_id: int, actor: str) -> bool:
    """Send the reminder now, through the reminders' own claim and delivery record."""
    from admin.telegram.reminders import send_now  # the reminders work owns sending

    return await send_now(application.bot, _services(application), appointment_id, actor)
