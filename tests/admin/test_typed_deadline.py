"""The staff's "type a reason" step ends at its stored deadline, restart or not; in the
group only a reply to the prompt is the reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from admin.telegram.notify import announce_new_booking
from admin.telegram.typed_input import INPUT_KEY
from bot.fakeapi import FakeBotAPI
from bot.services import Services
from tests.admin.conftest import (
    PARENT_ID,
    STAFF_ID,
    add_appointment,
    add_parent,
    at,
    get_appointment,
)
from tests.chat import Chat


async def test_a_reply_after_the_deadline_is_not_the_reason(
    services: Services,
    app: Any,
    staff_chat: Chat,
    fake_api: FakeBotAPI,
    clock: Any,
) -> None:
    appointment_id = add_appointment(services.db, add_parent(services.db), at(24, 10))
    await announce_new_booking(app.bot, services, appointment_id)
    await staff_chat.tap(f"st:no:{appointment_id}")
    await staff_chat.tap(f"st:r:d:{appointment_id}:x")
    # Days later (the in-memory timeout is gone with a restart; the job queue does not run
    # here), an answer to the old prompt is ordinary talk.
    clock.shift(timedelta(days=2))
    await staff_chat.answer_prompt("Колеги, днес съм в отпуск")
    assert get_appointment(services.db, appointment_id).status == "pending"
    assert not fake_api.sent("sendMessage", chat_id=PARENT_ID)
    assert INPUT_KEY not in (app.user_data.get(STAFF_ID) or {})


async def test_crisis_words_after_the_deadline_get_the_crisis_answer(
    services: Services, app: Any, fake_api: FakeBotAPI, team: None, clock: Any
) -> None:
    """No staff group: a note step left open days ago does not swallow the crisis answer."""
    from tests.admin.conftest import ADMIN_ID

    services.settings.staff_chat_id = None
    appointment_id = add_appointment(services.db, add_parent(services.db), at(24, 10))
    admin = Chat(app, fake_api, user_id=ADMIN_ID)
    await admin.tap(f"st:note:{appointment_id}")
    clock.shift(timedelta(days=2))
    await admin.send("насилие")
    assert "112" in admin.reply_texts()
    assert get_appointment(services.db, appointment_id).staff_note is None
