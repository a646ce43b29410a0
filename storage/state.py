"""Key-value rows behind the bot's persistence (conversation states, user data)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import delete, select

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
