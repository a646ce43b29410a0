"""Въпроси, Списък на чакащите and the survey's figures on Статистика, in the browser; and
what the desk refuses to someone who is not staff."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from admin import questions as question_service
from admin import waitlist
from bot.services import Services
from storage import questions
from storage.errors import NotAllowed
from storage.models import Outbox, PartOfDay, SurveyAnswer, SurveyComment
from tests.admin.conftest import PARENT_ID, STAFF_ID, add_parent
from tests.chat import Chat
from tests.web.conftest import sign_in_link
from tests.web.pages import (
    QuestionPage,
    QuestionsPage,
    SignInPage,
    SurveyFigures,
    WaitlistPage,
)

QUESTION = "Може ли да дойда с детето си на 16?"


def ask(services: Services, user_id: int = PARENT_ID, text: str = QUESTION, hours: int = 0) -> int:
    """A parent's question, asked `hours` ago (its card queued, as the flow does)."""
    add_parent(services.db, user_id, name="Мария Петрова")
    view = questions.ask(
        services.db,
        telegram_user_id=user_id,
        chat_id=user_id,
        first_name="Мария",
        language="bg",
        text=text,
        now=services.now() - timedelta(hours=hours),
        announce=question_service.announcer(services),
    )
    return view.id


def answers_to_parent(services: Services, question_id: int) -> list[Outbox]:
    with services.db.read() as session:
        return list(
            session.exec(
                select(Outbox).where(
                    Outbox.question_id == question_id, Outbox.kind == "question_answer"
                )
            ).all()
        )


async def test_the_list_shows_open_questions_oldest_first(
    desk: str, page: Any, services: Services, team: None
) -> None:
    newer = ask(services, PARENT_ID, "Кога работите в събота?", hours=1)
    older = ask(services, PARENT_ID + 50, QUESTION, hours=3)
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    listing = QuestionsPage(page, desk)
    await listing.open()
    assert await listing.ids() == [older, newer]
    card = await listing.card(older)
    assert "Мария" in card and "български" in card and QUESTION in card and "3 часа" in card
    assert "Въпроси" in await page.locator("header nav").inner_text()


async def test_an_answer_in_the_browser_reaches_the_parent(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    question_id = ask(services)
    await SignInPage(page, desk).sign_in(sign_in_link(services))
    listing = QuestionsPage(page, desk)
    await listing.open()
    view = await listing.open_question(question_id)
    assert QUESTION in await view.thread()
    await view.answer("Да, заповядайте в 16:00.")
    assert "изпратен на родителя" in await view.flash()
    assert parent_chat.last().text == "Отговор от Ива, ЦОП Харманли:\n\nДа, заповядайте в 16:00."
    assert [r.state for r in answers_to_parent(services, question_id)] == ["sent"]
    assert "Отговори Ива" in await view.state()
    assert "Да, заповядайте" in await view.thread()
    await QuestionsPage(page, desk).open()
    assert await QuestionsPage(page, desk).ids() == []


async def test_two_answers_one_winner(
    desk: str, browser: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    question_id = ask(services)
    first, second = await browser.new_page(), await browser.new_page()
    await SignInPage(first, desk).sign_in(sign_in_link(services))
    await SignInPage(second, desk).sign_in(sign_in_link(services, STAFF_ID))
    ivas, peters = QuestionPage(first, desk, question_id), QuestionPage(second, desk, question_id)
    await ivas.open()
    await peters.open()
    await ivas.answer("Първи отговор")
    await peters.answer("Втори отговор")
    notice = await peters.flash()
    assert "вече отговори Ива" in notice and "не е изпратен" in notice
    assert len(answers_to_parent(services, question_id)) == 1
    assert "Втори отговор" not in [m.text for m in parent_chat.visible()][-1]


async def test_close_without_answer_keeps_the_note_inside(
    desk: str, page: Any, services: Services, team: None, parent_chat: Chat
) -> None:
    question_id = ask(services)
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    view = QuestionPage(page, desk, question_id)
    await view.open()
    await view.close("Обадих се по телефона")
    assert f"Въпрос №{question_id} е затворен" in await view.flash()
    state = await view.state()
    assert "Затворен: Петър" in state and "Обадих се по телефона" in state
    assert answers_to_parent(services, question_id) == []


async def test_the_waiting_list_shows_who_waits_and_how_long(
    desk: str, page: Any, services: Services, team: None, clock: Any
) -> None:
    add_parent(services.db, PARENT_ID, name="Мария Петрова")
    waitlist.join(
        services,
        telegram_user_id=PARENT_ID,
        chat_id=PARENT_ID,
        topic="consulting",
        weekdays=[1, 3],
        part_of_day=PartOfDay.morning,
    )
    clock.shift(timedelta(days=2))
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    listing = WaitlistPage(page, desk)
    await listing.open()
    [row] = await listing.rows()
    assert "Мария Петрова" in row and "вторник, четвъртък, сутрин" in row and "2 дни" in row


async def test_stats_show_the_months_survey(
    desk: str, page: Any, services: Services, team: None
) -> None:
    with services.db.session() as session:
        for day, score in [(3, 5), (4, 4), (10, 4), (20, 2), (30, 5)]:
            session.add(SurveyAnswer(day=date(2026, 11, day), score=score))
        session.add(SurveyAnswer(day=date(2026, 12, 1), score=1))  # another month
        session.add(SurveyComment(day=date(2026, 11, 4), text="по-рано"))
        session.add(SurveyComment(day=date(2026, 11, 28), text="по-късно"))
    await SignInPage(page, desk).sign_in(sign_in_link(services, STAFF_ID))
    stats = SurveyFigures(page, desk)
    await stats.open("/stats?month=2026-11")
    figures = await stats.survey()
    assert figures["count"] == "5"
    assert figures["average"] == "4,0"
    assert figures["spread"] == "1,1"  # pstdev(5, 4, 4, 2, 5) = 1.095…
    assert (figures["score-2"], figures["score-4"], figures["score-5"]) == ("1", "2", "2")
    comments = await stats.comments()
    assert "по-късно" in comments[0] and "по-рано" in comments[1]


async def test_not_staff_is_refused(desk: str, services: Services, team: None) -> None:
    question_id = ask(services)
    async with httpx.AsyncClient(base_url=desk) as client:
        for path in ("/questions", f"/questions/{question_id}", "/waitlist"):
            answer = await client.get(path)
            assert answer.status_code == 401, path
            assert QUESTION not in answer.text
        answer = await client.post(f"/questions/{question_id}/answer", data={"text": "x"})
        assert answer.status_code == 401
    with pytest.raises(NotAllowed):
        question_service.answer(
            services,
            question_id=question_id,
            staff_user_id=PARENT_ID,
            text="x",
            now=services.now(),
        )
    with pytest.raises(NotAllowed):
        question_service.list_open(services.db, staff_user_id=PARENT_ID)
    with pytest.raises(NotAllowed):
        waitlist.listing(services, staff_user_id=PARENT_ID)
    assert answers_to_parent(services, question_id) == []
    assert questions.load(services.db, question_id).status == "open"
