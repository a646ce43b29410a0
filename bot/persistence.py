"""PTB persistence over `storage/`: half-finished conversations survive a restart."""

from __future__ import annotations

import json
from collections import defaultdict
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage import state
from storage.db import Database


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """User data, chat data and conversation states as JSON rows in the database.

    Bot data is not persisted (it holds the live services); callback data is plain strings;
    chat data is not used.
    """

    def __init__(self, db: Database, update_interval: float = 1) -> None:
        super().__init__(
            # Chat data is not used (user data holds the conversations' answers): skipping it
            # saves a deep copy and a comparison on every update.
            store_data=PersistenceInput(bot_data=False, chat_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db
        # Last JSON written per row: most updates leave user data unchanged, and writing
        # through after every update (see CentreApplication) must stay cheap.
        self._written: dict[state.Slot, str | None] = {}
        # Changes of the current update, written together by `commit` in one transaction.
        self._pending: dict[state.Slot, str | None] = {}

    def _save(self, *, kind: str, key: str, value: Any, name: str = "") -> None:
        encoded = state.encode(value)
        slot = (kind, name, key)
        unchanged = slot in self._written and self._written[slot] == encoded
        if unchanged and slot not in self._pending:
            return
        self._pending[slot] = encoded

    def commit(self) -> None:
        """Write what changed since the last commit (called after every update)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        try:
            state.save_many(self.db, pending)
        except BaseException:
            # Not written: keep the changes for the next commit, unless newer ones came.
            self._pending = {**pending, **self._pending}
            raise
        self._written.update(pending)

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        self.commit()
        rows = state.load_all(self.db, kind="user")
        return defaultdict(dict, {int(k): v for k, v in rows.items()})

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        self.commit()
        rows = state.load_all(self.db, kind="chat")
        return defaultdict(dict, {int(k): v for k, v in rows.items()})

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        self.commit()
        rows = state.load_all(self.db, kind="conversation", name=name)
        return {tuple(json.loads(k)): v for k, v in rows.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        self._save(kind="conversation", name=name, key=json.dumps(list(key)), value=new_state)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        self._save(kind="user", key=str(user_id), value=deepcopy(data) or None)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        self._save(kind="chat", key=str(chat_id), value=deepcopy(data) or None)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        self._save(kind="chat", key=str(chat_id), value=None)

    async def drop_user_data(self, user_id: int) -> None:
        self._save(kind="user", key=str(user_id), value=None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        self.commit()
