"""The question after a visit: only after attended visits, once, not in quiet hours; opt-out
holds; answers kept without the parent; a month's statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from bot.services import Services
from storage import survey
from storage.errors import SurveyClosed
from storage.models import Appointment, AppointmentStatus, SurveyAnswer, SurveyComment
from tests.waitlist.conftest import at, consenting_parent, sent

PARENT, OTHER = 7001, 7002


def visit(svc: Services, user: int, start: Any, status: str = AppointmentStatus.attended) -> int:
    from storage import parents

    with svc.db.session() as session:
        parent = parents.get(session, user)
        assert parent is not None
        appointment = Appointment(
            parent_id=parent.id, topic="consulting", start=start,
            end=start.replace(hour=start.hour + 1), status=status,
        )  # fmt: skip
        session.add(appointment)
        session.flush()
        assert appointment.id is not None
        return appointment.id


def ask(svc: Services) -> list[int]:
    with svc.db.session() as session:
        return survey.invite_due(session, now=svc.now(), policy=svc.reminder_policy)


@pytest.fixture
def people(svc: Services) -> Services:
    consenting_parent(svc, PARENT)
    consenting_parent(svc, OTHER)
    return svc


def test_only_attended_visits_are_asked_about_the_day_after_once(
    people: Services, clock: Any
) -> None:
    svc = people
    visit(svc, PARENT, at(24, 10))
    visit(svc, OTHER, at(24, 11), AppointmentStatus.no_show)
    visit(svc, OTHER, at(24, 13), AppointmentStatus.cancelled_by_parent)
    visit(svc, OTHER, at(24, 14), AppointmentStatus.cancelled_by_staff)
    clock.move_to(at(24, 18))  # the same day: not yet
    assert ask(svc) == []
    clock.move_to(at(25, 7, 59))  # the day after, but quiet hours
    assert ask(svc) == []
    clock.move_to(at(25, 8, 0))
    asked = ask(svc)
    assert len(asked) == 1
    [(chat, due, _state, text)] = sent(svc, "survey")  # one message, through the outbox
    assert (chat, due) == (PARENT, at(25, 8, 0)) and "1 (никак) до 5 (много)" in text
    assert ask(svc) == []  # once
    clock.move_to(at(26, 9))
    assert ask(svc) == []  # and not the day after that either


def test_opt_out_holds(people: Services, clock: Any) -> None:
    svc = people
    visit(svc, PARENT, at(24, 10))
    clock.move_to(at(25, 9))
    [invite] = ask(svc)
    survey.stop(svc.db, invite_id=invite, telegram_user_id=PARENT, now=svc.now())
    with pytest.raises(SurveyClosed):
        survey.give_score(
            svc.db, invite_id=invite, telegram_user_id=PARENT, score=5, now=svc.now(),
            policy=svc.reminder_policy,
        )  # fmt: skip
    visit(svc, PARENT, at(26, 10))
    clock.move_to(at(27, 9))
    assert ask(svc) == []


def test_score_then_comment_kept_without_the_parent(people: Services, clock: Any) -> None:
    svc = people
    visit(svc, PARENT, at(24, 10))
    clock.move_to(at(25, 9))
    [invite] = ask(svc)
    with pytest.raises(SurveyClosed):  # somebody else's question
        survey.give_score(
            svc.db, invite_id=invite, telegram_user_id=OTHER, score=1, now=svc.now(),
            policy=svc.reminder_policy,
        )  # fmt: skip
    survey.give_score(
        svc.db, invite_id=invite, telegram_user_id=PARENT, score=4, now=svc.now(),
        policy=svc.reminder_policy,
    )  # fmt: skip
    with pytest.raises(SurveyClosed):  # a second press
        survey.give_score(
            svc.db, invite_id=invite, telegram_user_id=PARENT, score=1, now=svc.now(),
            policy=svc.reminder_policy,
        )  # fmt: skip
    survey.give_comment(
        svc.db, invite_id=invite, telegram_user_id=PARENT, text="  Много   помогнаха ",
        now=svc.now(), policy=svc.reminder_policy,
    )  # fmt: skip
    with svc.db.read() as session:
        answers = session.exec(select(SurveyAnswer)).all()
        comments = session.exec(select(SurveyComment)).all()
    assert [(a.day, a.score) for a in answers] == [(date(2026, 11, 25), 4)]
    assert [(c.day, c.text) for c in comments] == [(date(2026, 11, 25), "Много помогнаха")]
    assert set(SurveyAnswer.model_fields) == {"id", "day", "score"}
    assert set(SurveyComment.model_fields) == {"id", "day", "text"}


def test_statistics_match_a_known_set(svc: Services) -> None:
    with svc.db.session() as session:
        for day, score in [(3, 5), (4, 4), (10, 4), (20, 2), (30, 5)]:
            session.add(SurveyAnswer(day=date(2026, 11, day), score=score))
        session.add(SurveyAnswer(day=date(2026, 12, 1), score=1))  # another month
        session.add(SurveyAnswer(day=date(2026, 10, 31), score=1))
        session.add(SurveyComment(day=date(2026, 11, 4), text="по-рано"))
        session.add(SurveyComment(day=date(2026, 11, 28), text="по-късно"))
        session.add(SurveyComment(day=date(2026, 12, 2), text="друг месец"))
    stats = survey.month_stats(svc.db, date(2026, 11, 17))
    assert stats.count == 5
    assert stats.average == pytest.approx(4.0)
    assert stats.spread == pytest.approx(1.0954451150103321)  # pstdev(5, 4, 4, 2, 5)
    assert stats.per_score == {1: 0, 2: 1, 3: 0, 4: 2, 5: 2}
    assert stats.comments == [(date(2026, 11, 28), "по-късно"), (date(2026, 11, 4), "по-рано")]
    empty = survey.month_stats(svc.db, date(2027, 1, 1))
    assert (empty.count, empty.average, empty.spread) == (0, None, None)
