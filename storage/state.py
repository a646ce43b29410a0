"""Key-value rows behind the bot's persistence (conversation states, user data)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, delete, select

from storage.db import Database
from storage.models import PersistedState


def load_all(db: Database, *, kind: str, name: str = "") -> dict[str, Any]:
    with db.session() as session:
        rows = session.exec(
            select(PersistedState).where(PersistedState.kind == kind, PersistedState.name == name)
        ).all()
        return {row.key: json.loads(row.data) for row in rows}


def save(db: Database, *, kind: str, key: str, value: Any, name: str = "") -> None:
    """Upsert one row; `None` deletes it. Values must be JSON (dates as ISO strings)."""
    with db.session() as session:
        row = session.get(PersistedState, (kind, name, key))
        if value is None:
            if row is not None:
                session.exec(
                    delete(PersistedState).where(  # type: ignore[call-overload]
                        PersistedState.kind == kind,
                        PersistedState.name == name,
                        PersistedState.key == key,
                    )
                )
            return
        data = json.dumps(value, ensure_ascii=False, default=str)
        if row is None:
            session.add(PersistedState(kind=kind, name=name, key=key, data=data))
        else:
            row.data = data
            session.add(row)


def forget_user(session: Session, *, user_id: int, chat_id: int | None = None) -> int:
    """Delete a person's user data, private chat data and conversation states (/forget)."""
    removed = 0
    doomed = [("user", "", str(user_id))]
    if chat_id is not None:
        doomed.append(("chat", "", str(chat_id)))
    for row in session.exec(select(PersistedState).where(PersistedState.kind == "conversation")):
        try:
            key = json.loads(row.key)
        except ValueError:
            continue
        # Conversation keys are (chat_id, user_id) or (user_id,): the user id comes last.
        if isinstance(key, list) and key and key[-1] == user_id:
            doomed.append((row.kind, row.name, row.key))
    for kind, name, key in doomed:
        result = session.exec(
            delete(PersistedState).where(  # type: ignore[call-overload]
                PersistedState.kind == kind,
                PersistedState.name == name,
                PersistedState.key == key,
            )
        )
        removed += result.rowcount or 0
    return removed
