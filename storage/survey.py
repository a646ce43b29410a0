"""Two questions after a visit: how useful it was (1–5), then an optional line of comment.

Asked once, the day after a visit marked attended, outside the quiet hours; never after a
no-show or a cancellation; never again after "Не искам такива въпроси". Answers are kept
without the parent: a score row holds the day and the score, a comment row the day and the
text, and neither points to the other, to the visit or to the parent. Only the invitation
knows the visit, so that nobody is asked twice.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, col, select

from bot.i18n import _, language
from storage.clock import utcnow
from storage.db import Database
from storage.errors import SurveyClosed
from storage.models import (
    Appointment,
    AppointmentStatus,
    Parent,
    SurveyAnswer,
    SurveyComment,
    SurveyInvite,
)
from storage.reminders import ReminderPolicy
from storage.waitlist import Notice, is_quiet, notify

SCORES = (1, 2, 3, 4, 5)
COMMENT_MAX = 500

ASKED, SCORED, DONE, STOPPED = "asked", "scored", "done", "stopped"


def _local_day(moment: datetime, policy: ReminderPolicy) -> date:
    return moment.astimezone(policy.tz).date()


def question_notice(invite_id: int, chat_id: int, lang: str, due: datetime) -> Notice:
    """The one message after a visit: 1–5 and "Не искам такива въпроси"."""
    with language(lang):
        body = _(
            "Благодарим Ви, че вчера дойдохте в центъра.\n"
            "Доколко полезна беше срещата за Вас? Изберете от 1 (никак) до 5 (много)."
        )
        buttons = [
            [(str(n), f"sv:{invite_id}:{n}") for n in SCORES],
            [(_("Не искам такива въпроси"), f"sv:{invite_id}:stop")],
        ]
    return Notice(chat_id, "survey", body, buttons, due)


def invite_due(session: Session, *, now: datetime, policy: ReminderPolicy) -> list[int]:
    """Ask about yesterday's attended visits (not in quiet hours); returns the invitations."""
    if is_quiet(now, policy):
        return []
    yesterday = _local_day(now, policy) - timedelta(days=1)
    lo = datetime.combine(yesterday, time(0), tzinfo=policy.tz).astimezone(UTC)
    hi = datetime.combine(yesterday + timedelta(days=1), time(0), tzinfo=policy.tz).astimezone(UTC)
    asked = select(SurveyInvite.appointment_id)
    rows = session.exec(
        select(Appointment, Parent)
        .join(Parent, col(Parent.id) == col(Appointment.parent_id))
        .where(
            Appointment.status == AppointmentStatus.attended,
            col(Appointment.start) >= lo,
            col(Appointment.start) < hi,
            col(Appointment.anonymised_at).is_(None),
            col(Parent.no_surveys_at).is_(None),
            col(Appointment.id).not_in(asked),
        )
        .order_by(col(Appointment.start), col(Appointment.id))
    ).all()
    made: list[int] = []
    seen_parents: set[int] = set()
    for appointment, parent in rows:
        assert appointment.id is not None and parent.id is not None
        invite = SurveyInvite(appointment_id=appointment.id, asked_at=now)
        if parent.id in seen_parents:  # two visits on one day: one question
            invite.state = DONE
            session.add(invite)
            continue
        seen_parents.add(parent.id)
        session.add(invite)
        session.flush()
        assert invite.id is not None
        notify(session, question_notice(invite.id, parent.chat_id, parent.language, now))
        made.append(invite.id)
    return made


def _own(session: Session, invite_id: int, telegram_user_id: int) -> tuple[SurveyInvite, Parent]:
    invite = session.get(SurveyInvite, invite_id, with_for_update=True)
    appointment = session.get(Appointment, invite.appointment_id) if invite else None
    parent = (
        session.get(Parent, appointment.parent_id)
        if appointment and appointment.parent_id
        else None
    )
    if invite is None or parent is None or parent.telegram_user_id != telegram_user_id:
        raise SurveyClosed(str(invite_id))
    return invite, parent


def give_score(
    db: Database,
    *,
    invite_id: int,
    telegram_user_id: int,
    score: int,
    now: datetime,
    policy: ReminderPolicy,
) -> None:
    """Keep the score (once); SurveyClosed for a second press or somebody else's question."""
    if score not in SCORES:
        raise SurveyClosed(str(invite_id))
    with db.session() as session:
        invite, _parent = _own(session, invite_id, telegram_user_id)
        if invite.state != ASKED:
            raise SurveyClosed(str(invite_id))
        invite.state = SCORED
        session.add(invite)
        session.add(SurveyAnswer(day=_local_day(now, policy), score=score))


def give_comment(
    db: Database,
    *,
    invite_id: int,
    telegram_user_id: int,
    text: str | None,
    now: datetime,
    policy: ReminderPolicy,
) -> None:
    """Keep the optional line (None: skipped); closes the question."""
    with db.session() as session:
        invite, _parent = _own(session, invite_id, telegram_user_id)
        if invite.state != SCORED:
            raise SurveyClosed(str(invite_id))
        invite.state = DONE
        session.add(invite)
        line = " ".join((text or "").split())[:COMMENT_MAX]
        if line:
            session.add(SurveyComment(day=_local_day(now, policy), text=line))


def stop(db: Database, *, invite_id: int, telegram_user_id: int, now: datetime) -> None:
    """ "Не искам такива въпроси": never ask this parent again."""
    with db.session() as session:
        invite, parent = _own(session, invite_id, telegram_user_id)
        if invite.state == ASKED:
            invite.state = STOPPED
            session.add(invite)
        parent.no_surveys_at = parent.no_surveys_at or now
        session.add(parent)


@dataclass(frozen=True)
class MonthStats:
    """A month's answers: how many, the average and spread of the scores, the comments."""

    first: date
    count: int
    average: float | None
    spread: float | None  # population standard deviation of the scores
    per_score: dict[int, int]
    comments: list[tuple[date, str]]  # newest first


def month_stats(db: Database, first: date) -> MonthStats:
    """Statistics of the month that begins on `first`."""
    first = first.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    with db.read() as session:
        scores = list(
            session.exec(
                select(SurveyAnswer.score).where(
                    col(SurveyAnswer.day) >= first, col(SurveyAnswer.day) < after
                )
            ).all()
        )
        comments = session.exec(
            select(col(SurveyComment.day), col(SurveyComment.text))
            .where(col(SurveyComment.day) >= first, col(SurveyComment.day) < after)
            .order_by(col(SurveyComment.day).desc(), col(SurveyComment.id).desc())
        ).all()
    return MonthStats(
        first=first,
        count=len(scores),
        average=statistics.fmean(scores) if scores else None,
        spread=statistics.pstdev(scores) if scores else None,
        per_score={n: scores.count(n) for n in SCORES},
        comments=[(day, text) for day, text in comments],
    )


def ask_after_visits(db: Database, policy: ReminderPolicy) -> list[int]:
    """The job's part: ask about yesterday's attended visits, in one transaction."""
    with db.session() as session:
        return invite_due(session, now=utcnow(), policy=policy)
