"""Typed steps keep their deadline with the step: after it (even with no in-memory timeout,
as after a restart) the text is ordinary text; a failed state write is not the user's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from bot.services import Services
from storage import parents
from tests.chat import Chat

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 08:00 in Sofia


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


async def _to_name_step(chat: Chat) -> None:
    await chat.send("📅 Запазете час")
    await chat.tap("book:topic:consulting")
    await chat.tap("book:skip")
    await chat.tap("book:day:2026-11-24")
    await chat.press("10:00")
    await chat.tap("book:consent:yes")
    assert "име" in chat.last_text().lower()


async def test_a_name_typed_after_the_deadline_is_ordinary_text(
    chat: Chat, services: Services, clock: Any
) -> None:
    await _to_name_step(chat)
    # The job queue is not running here: PTB's in-memory timeout never fires, as after a
    # restart. The deadline stored with the step still ends it.
    clock.shift(timedelta(minutes=31))
    await chat.send("Мария")
    assert "телефон" not in chat.reply_texts().lower()
    parent = parents.find(services.db, chat.user_id)
    assert parent is None or parent.name is None
    assert "booking" not in (chat.app.user_data.get(chat.user_id) or {})


async def test_a_name_typed_in_time_is_taken(chat: Chat, clock: Any) -> None:
    await _to_name_step(chat)
    clock.shift(timedelta(minutes=29))
    await chat.send("Мария")
    assert "телефон" in chat.reply_texts().lower()


async def test_a_failed_state_write_is_retried_not_apologised_for(
    chat: Chat, services: Services, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import state

    real = state.save_many
    failures = [RuntimeError("database is locked")]

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return real(*args, **kwargs)

    monkeypatch.setattr(state, "save_many", flaky)
    monkeypatch.setattr("bot.app.STATE_RETRY_DELAYS", (0,))
    monkeypatch.setattr("bot.app.PASS_GATHERS_SECONDS", 0)
    await chat.send("📅 Запазете час")
    assert "тема" in chat.last_text()
    assert not any("нещо се обърка" in str(c.text).lower() for c in chat.visible())
    from bot.app import CentreApplication
    from bot.background import settle

    assert isinstance(chat.app, CentreApplication)
    await chat.app.state_written()  # the pass runs beside the update …
    await settle()  # … and its retry after it
    assert not failures  # it failed once …
    conversations = state.load_all(services.db, kind="conversation", name="booking")
    assert conversations  # … and the retry wrote the step
