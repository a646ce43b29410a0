"""Scheduled work on PTB's JobQueue: the outbox dispatcher, the waiting list's round (and
the question after a visit), and the nightly retention run."""

from __future__ import annotations

import asyncio
import logging
from datetime import time
from typing import Any

from telegram.ext import Application, CallbackContext

from admin import waitlist
from admin.questions import raise_unanswered
from admin.retention import anonymise_old
from admin.telegram.outbox import dispatch
from bot.context import SERVICES_KEY
from bot.services import Services
from storage import survey

log = logging.getLogger(__name__)

RETENTION_AT = time(3, 30)  # local time, when nobody books
QUESTIONS_EVERY_SECONDS = 600  # unanswered questions are looked at this often


def _services(context: CallbackContext[Any, Any, Any, Any]) -> Services:
    services = context.application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    return services


async def dispatch_outbox(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Send what is due in the outbox: reminders, and anything a crash or a retry left
    (every REMINDER_INTERVAL_SECONDS and at start-up; new rows go out at once, see Waker)."""
    await dispatch(context.bot, _services(context))


async def raise_questions(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Raise again in the staff chat the questions unanswered for one working day."""
    await asyncio.to_thread(raise_unanswered, _services(context))


async def waitlist_round(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Expire waiting-list holds, pass places on, end waits at the horizon; ask after visits."""
    services = _services(context)
    done = await asyncio.to_thread(waitlist.run_round, services)
    asked = await asyncio.to_thread(survey.ask_after_visits, services.db, services.reminder_policy)
    if done.expired or done.offered or done.ended or asked:
        log.info(
            "waiting list: %d expired, %d offered, %d ended; %d asked after a visit",
            len(done.expired), len(done.offered), len(done.ended), len(asked),
        )  # fmt: skip


async def retention(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Anonymise appointments older than RETENTION_DAYS (off the event loop)."""
    services = _services(context)
    await asyncio.to_thread(
        anonymise_old, services.db, services.now(), services.settings.retention_days
    )


def schedule(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the repeating jobs: the outbox now and every interval, retention nightly."""
    job_queue = application.job_queue
    if job_queue is None:
        log.warning("no job queue: the outbox is only sent on commits; retention will not run")
        return
    services = application.bot_data[SERVICES_KEY]
    assert isinstance(services, Services)
    settings = services.settings
    job_kwargs = {"max_instances": 1, "coalesce": True}
    job_queue.run_repeating(
        dispatch_outbox,
        interval=settings.reminder_interval_seconds,
        first=0,
        name="outbox",
        job_kwargs=job_kwargs,
    )
    job_queue.run_repeating(
        raise_questions,
        interval=QUESTIONS_EVERY_SECONDS,
        first=QUESTIONS_EVERY_SECONDS,
        name="questions",
        job_kwargs=job_kwargs,
    )
    job_queue.run_repeating(
        waitlist_round,
        interval=settings.reminder_interval_seconds,
        first=settings.reminder_interval_seconds,
        name="waitlist",
        job_kwargs=job_kwargs,
    )
    job_queue.run_daily(
        retention,
        time=RETENTION_AT.replace(tzinfo=settings.tz),
        name="retention",
        job_kwargs=job_kwargs,
    )
