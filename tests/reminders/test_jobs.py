"""The JobQueue wiring: reminders every 30 s and at start-up, retention nightly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine

from bot import jobs
from bot.context import SERVICES_KEY, BotContext
from bot.fakeapi import FakeBotAPI
from tests.reminders.helpers import confirmed, local


async def test_schedule_registers_both_jobs(app: Any) -> None:
    jobs.schedule(app)
    found = {job.name: job for job in app.job_queue.jobs()}
    assert set(found) == {"outbox", "retention", "questions", "waitlist"}
    assert found["outbox"].job.trigger.interval == timedelta(seconds=30)
    assert found["waitlist"].job.trigger.interval == timedelta(seconds=30)
    retention = str(found["retention"].job.trigger)
    assert "hour='3'" in retention and "minute='30'" in retention
    for job in found.values():
        job.schedule_removal()


async def test_job_callbacks_run_by_hand(app: Any, fake_api: FakeBotAPI) -> None:
    services = app.bot_data[SERVICES_KEY]
    confirmed(services.db, start=local(2026, 11, 24, 10), now=local(2026, 11, 16, 12))
    context = BotContext(application=app)
    with time_machine.travel(local(2026, 11, 23, 18), tick=False):
        await jobs.dispatch_outbox(context)
    assert len(fake_api.sent("sendMessage")) == 1
    with time_machine.travel(local(2028, 1, 1, 3, 30), tick=False):
        await jobs.retention(context)
