"""Question services on SQLite and PostgreSQL: consent, limits, one answer wins, erasure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from admin import questions as staff_questions
from admin import staff as staff_service
from bot.centre import content_for
from bot.config import Settings
from bot.services import Services
from storage import parents, questions
from storage.db import Database
from storage.errors import AlreadyHandled, NoConsent, NotAllowed, NotFound
from storage.models import Outbox, StaffRole
from storage.outbox import Kind

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
PARENT = 1001


def consent(db: Database, user: int = PARENT) -> None:
    parents.record_consent(db, telegram_user_id=user, chat_id=user, now=NOW)


def ask(db: Database, text: str = "Въпрос", now: datetime = NOW) -> questions.QuestionView:
    return questions.ask(
        db, telegram_user_id=PARENT, chat_id=PARENT, first_name="Мария", language="bg",
        text=text, now=now,
    )  # fmt: skip


def test_no_question_without_consent(db: Database) -> None:
    with pytest.raises(NoConsent):
        ask(db)


def test_at_most_five_open_questions(db: Database) -> None:
    consent(db)
    for n in range(questions.MAX_OPEN):
        ask(db, f"Въпрос {n}", NOW + timedelta(minutes=n))
    with pytest.raises(questions.TooManyOpen):
        ask(db)
    assert questions.open_count(db, PARENT) == questions.MAX_OPEN


def test_at_most_twenty_messages_an_hour(db: Database) -> None:
    consent(db)
    question = ask(db)
    for n in range(questions.MAX_PER_HOUR - 1):
        questions.add(
            db, telegram_user_id=PARENT, question_id=question.id, text=f"още {n}",
            now=NOW + timedelta(minutes=1),
        )  # fmt: skip
    with pytest.raises(questions.TooManyMessages):
        questions.add(
            db, telegram_user_id=PARENT, question_id=question.id, text="още",
            now=NOW + timedelta(minutes=2),
        )  # fmt: skip
    # An hour later the parent may write again.
    questions.add(
        db, telegram_user_id=PARENT, question_id=question.id, text="после",
        now=NOW + timedelta(minutes=62),
    )  # fmt: skip


def test_someone_else_cannot_add_to_a_question(db: Database) -> None:
    consent(db)
    consent(db, 2002)
    question = ask(db)
    with pytest.raises(NotFound):
        questions.add(db, telegram_user_id=2002, question_id=question.id, text="x", now=NOW)


def _services(db: Database) -> Services:
    settings = Settings(_env_file=None, STAFF_CHAT_ID=-100500)  # type: ignore[call-arg]
    return Services(settings=settings, content=content_for("harmanli"), db=db)


def test_only_staff_answer_and_exactly_one_wins(db: Database) -> None:
    consent(db)
    question = ask(db)
    services = _services(db)
    with pytest.raises(NotAllowed):
        staff_questions.answer(
            services, question_id=question.id, staff_user_id=999, text="x", now=NOW
        )
    staff_service.add(db, telegram_user_id=501, name="Ива Иванова", role=StaffRole.admin)
    staff_service.add(db, telegram_user_id=502, name="Петър", role=StaffRole.staff)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def answer(staff: int) -> None:
        barrier.wait()
        try:
            staff_questions.answer(
                services, question_id=question.id, staff_user_id=staff, text=f"от {staff}",
                now=NOW,
            )  # fmt: skip
            results.append("won")
        except AlreadyHandled:
            results.append("lost")

    threads = [threading.Thread(target=answer, args=(s,)) for s in (501, 502)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["lost", "won"]
    final = questions.load(db, question.id)
    assert final.status == "answered"
    assert len([ln for ln in final.lines if ln.from_staff]) == 1
    with db.read() as session:  # one answer queued to the parent, in the same transaction
        answers = session.exec(select(Outbox).where(Outbox.kind == Kind.question_answer)).all()
    assert len(answers) == 1 and answers[0].chat_id == PARENT


def test_forget_erases_questions(db: Database) -> None:
    consent(db)
    ask(db)
    parents.forget(db, telegram_user_id=PARENT, chat_id=PARENT, now=NOW, policy=_policy())
    assert questions.of_parent(db, PARENT) == []


def _policy() -> object:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Services(settings=settings, content=None, db=None).reminder_policy  # type: ignore[arg-type]
