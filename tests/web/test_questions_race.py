"""Two staff answer the same question at once in two browsers: on SQLite and PostgreSQL one
answer reaches the parent, the other person sees who answered first."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.services import Services
from tests.admin.conftest import STAFF_ID
from tests.conftest import make_settings
from tests.web.conftest import sign_in_link
from tests.web.pages import QuestionPage, SignInPage
from tests.web.test_questions_desk import answers_to_parent, ask


@pytest.fixture
def settings(db_url: str) -> Iterator[Settings]:
    """This module's tests run on both backends."""
    yield make_settings(db_url)


async def test_two_browsers_answer_at_once_one_wins(
    desk: str, browser: Any, services: Services, team: None
) -> None:
    question_id = ask(services)
    pages = []
    for user in (501, STAFF_ID):
        context = await browser.new_context()
        tab = await context.new_page()
        await SignInPage(tab, desk).sign_in(sign_in_link(services, user))
        view = QuestionPage(tab, desk, question_id)
        await view.open()
        await tab.locator("#answer-text").fill(f"Отговор от {user}")
        pages.append(view)
    buttons = [p.page.get_by_role("button", name="Изпрати отговора") for p in pages]
    await asyncio.gather(*(b.click() for b in buttons))
    await pages[0].settled()
    flashes = [await p.flash() for p in pages]
    assert sum("изпратен на родителя" in f for f in flashes) == 1, flashes
    assert sum("вече отговори" in f for f in flashes) == 1, flashes
    assert len(answers_to_parent(services, question_id)) == 1
