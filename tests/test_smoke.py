"""The foundation works end to end: every module imports, /start answers, crisis wins."""

from __future__ import annotations

import importlib
import pkgutil

import admin
import bot
import storage
from tests.chat import Chat


def test_every_module_imports() -> None:
    for package in (bot, admin, storage):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" in info.name:
                continue
            importlib.import_module(info.name)


async def test_start_shows_menu(chat: Chat) -> None:
    await chat.send("/start")
    assert "Здравейте" in chat.last_text()
    labels = [label for label, _ in chat.last().buttons()]
    assert "📅 Запазете час" in labels


async def test_crisis_words_first(chat: Chat) -> None:
    await chat.send("bie me")
    assert "112" in chat.last_text() and "116 111" in chat.last_text()
