"""PTB persistence over `storage/`: half-finished conversations survive a restart."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage import state
from storage.db import Database

# The shapes of BasePersistence's hooks, as PTB documents them.
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """User data, chat data and conversation states as JSON rows in the database.

    Bot data is not persisted (it holds the live services); callback data is plain strings;
    chat data is not used. PTB hands the changed rows to the `update_*` hooks (from
    `Application.update_persistence`: PTB's own pass every `update_interval`, and
    `CentreApplication` after every conversation step); each row is encoded to JSON at once
    and kept until `write_through` writes them all in one transaction. A row whose JSON is
    what was last written is skipped.
    """

    def __init__(self, db: Database, update_interval: float = 1) -> None:
        super().__init__(
            # Chat data is not used (user data holds the conversations' answers): skipping it
            # saves a deep copy and a comparison on every update.
            store_data=PersistenceInput(bot_data=False, chat_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db
        # Last JSON written per row: most passes leave user data unchanged, and writing
        # through after every conversation step (see CentreApplication) must stay cheap.
        self._written: dict[state.Slot, str | None] = {}
        # Changes of the current update, written together by `commit` in one transaction.
        self._pending: dict[state.Slot, str | None] = {}
        self._writing = asyncio.Lock()  # one write at a time, so a newer row is never overwritten
        self._async_writer = state.AsyncStateWriter(db) if db.dialect == "postgresql" else None

    def _save(self, *, kind: str, key: str, value: Any, name: str = "") -> None:
        encoded = state.encode(value)
        slot = (kind, name, key)
        unchanged = slot in self._written and self._written[slot] == encoded
        if unchanged and slot not in self._pending:
            return
        self._pending[slot] = encoded

    def _save_user(self, user_id: int, data: dict[Any, Any] | None) -> None:
        self._save(kind="user", key=str(user_id), value=data or None)

    def _save_conversation(self, name: str, key: ConversationKey, value: object | None) -> None:
        self._save(kind="conversation", name=name, key=json.dumps(list(key)), value=value)

    def _take(self) -> dict[state.Slot, str | None]:
        # Counted as written from now on: a later change back to the old value must be
        # written again. A failed write puts its rows back (see `_put_back`).
        pending, self._pending = self._pending, {}
        self._written.update(pending)
        return pending

    def _put_back(self, pending: dict[state.Slot, str | None]) -> None:
        self._pending = {**pending, **self._pending}  # newer changes win

    def commit(self) -> None:
        """Write what changed since the last commit, here and now."""
        if not self._pending:
            return
        pending = self._take()
        try:
            state.save_many(self.db, pending)
        except BaseException:
            self._put_back(pending)
            raise

    async def write_through(self) -> None:
        """Write what changed, after every update; on PostgreSQL without blocking the loop.

        There the write is a network round trip: awaited on an asyncio connection it holds
        only the update that made it, not every chat. Writes are serialised, and changes
        that arrive while one is under way go together in the next.
        """
        if self._async_writer is None:
            self.commit()
            return
        async with self._writing:
            if not self._pending:
                return
            pending = self._take()
            try:
                await self._async_writer.save_many(pending)
            except BaseException:
                self._put_back(pending)
                raise

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
        self._save_conversation(name, key, new_state)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        self._save_user(user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        self._save(kind="chat", key=str(chat_id), value=deepcopy(data) or None)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        self._save(kind="chat", key=str(chat_id), value=None)

    async def drop_user_data(self, user_id: int) -> None:
        self._save_user(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        async with self._writing:
            self.commit()
            if self._async_writer is not None:
                await self._async_writer.close()
