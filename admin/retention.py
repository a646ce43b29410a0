"""Retention: personal data of old appointments is removed, statistics stay.

Every night (`bot.jobs`) appointments that started more than RETENTION_DAYS ago lose
what points at a person: note, staff note, free-text reasons, the audit rows' free text,
the idempotency key and the link to the parent (`parent_id` → NULL); `anonymised_at` is
set. Status, topic and times stay, so monthly counts (`/stats`, export) do not change.
Questions to a specialist with no activity within the window are removed with their thread.
Then parents with no appointment or question left and no activity within the window are deleted,
together with their persisted conversation and user/chat data. Logs carry counts only.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage import questions
from storage.appointments import anonymise
from storage.db import Database
from storage.models import (
    Appointment,
    Outbox,
    Parent,
    PersistedState,
    Question,
    SurveyComment,
)
from storage.outbox import OPEN_STATES

log = logging.getLogger(__name__)


def anonymise_old(db: Database, now: datetime, retention_days: int) -> int:
    """Anonymise appointments older than the window, drop idle parents; returns appointments."""
    cutoff = now - timedelta(days=retention_days)
    with db.session() as session:
        old_ids = list(
            session.exec(
                select(Appointment.id).where(
                    col(Appointment.start) < cutoff, col(Appointment.anonymised_at).is_(None)
                )
            )
        )
        if old_ids:
            anonymise(session, old_ids, now)
            # What was said about them (cards with name and phone, parents' messages).
            session.exec(  # type: ignore[call-overload]
                delete(Outbox).where(
                    col(Outbox.appointment_id).in_(old_ids),
                    col(Outbox.state).not_in(OPEN_STATES),
                )
            )
        # Questions to a specialist go with old bookings: the whole thread, after the window.
        questions_removed = questions.remove_old(session, cutoff)
        # A survey comment is free text (it may hold a name): kept no longer than a booking.
        session.exec(  # type: ignore[call-overload]
            delete(SurveyComment).where(col(SurveyComment.day) < cutoff.date())
        )
    with db.session() as session:
        referenced = select(Appointment.parent_id).where(col(Appointment.parent_id).is_not(None))
        idle = session.exec(
            select(Parent.id, Parent.telegram_user_id, Parent.chat_id).where(
                col(Parent.id).not_in(referenced),
                col(Parent.id).not_in(
                    select(Question.parent_id).where(col(Question.parent_id).is_not(None))
                ),
                col(Parent.created_at) < cutoff,
                col(Parent.updated_at) < cutoff,
            )
        ).all()
        states = _state_keys(session, {uid for _, uid, _ in idle}, {cid for _, _, cid in idle})
        for kind, name, key in states:
            session.exec(  # type: ignore[call-overload]
                delete(PersistedState).where(
                    col(PersistedState.kind) == kind,
                    col(PersistedState.name) == name,
                    col(PersistedState.key) == key,
                )
            )
        if idle:
            session.exec(  # type: ignore[call-overload]
                delete(Parent).where(col(Parent.id).in_([pid for pid, _, _ in idle]))
            )
    log.info(
        "retention: %d appointments anonymised, %d parents and %d state rows removed",
        len(old_ids),
        len(idle),
        len(states),
    )
    log.info("retention: %d questions removed", questions_removed)
    return len(old_ids)


def _state_keys(session: Session, users: set[int], chats: set[int]) -> list[tuple[str, str, str]]:
    """Persisted rows that belong to these users or chats: (kind, name, key)."""
    if not users and not chats:
        return []
    found: list[tuple[str, str, str]] = []
    rows = session.exec(select(PersistedState.kind, PersistedState.name, PersistedState.key))
    for kind, name, key in rows:
        if kind in ("user", "chat") and key.lstrip("-").isdigit():
            if int(key) in (users if kind == "user" else chats):
                found.append((kind, name, key))
        elif kind == "conversation":
            try:
                parts = json.loads(key)
            except ValueError:
                continue
            if isinstance(parts, list) and any(
                isinstance(p, int) and (p in users or p in chats) for p in parts
            ):
                found.append((kind, name, key))
    return found
