"""The error handler: a Bot API timeout is not our failure and is not apologised for."""

from __future__ import annotations

import logging

import pytest
from telegram.error import TimedOut

from bot.fakeapi import FakeBotAPI
from tests.chat import Chat


async def test_timeout_says_the_connection_was_slow(
    chat: Chat, fake_api: FakeBotAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake_api.fail("sendMessage", TimedOut())
    with caplog.at_level(logging.WARNING, logger="bot.errors"):
        await chat.send("☎️ Контакти")
    texts = chat.reply_texts()
    assert "Връзката с Telegram се забави" in texts
    assert "Съжаляваме" not in texts
    assert [r.levelname for r in caplog.records if r.name == "bot.errors"] == ["WARNING"]


async def test_our_own_failure_is_apologised_for_with_the_phone(
    chat: Chat, fake_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("bot.flows.info.contacts_text", broken)
    await chat.send("☎️ Контакти")
    texts = chat.reply_texts()
    assert "Съжаляваме, нещо се обърка" in texts
    assert "0373 9 10 76" in texts
