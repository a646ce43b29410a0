"""PTB persistence over `storage/`: half-finished conversations survive a restart."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from copy import deepcopy
from typing import Any

from telegram.ext import Application, BasePersistence, PersistenceInput
from telegram.ext._handlers.conversationhandler import PendingState
from telegram.ext._utils.trackingdict import TrackingDict
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
        self._writing = asyncio.Lock()  # one write at a time, so a newer row is never overwritten
        self._async_writer = state.AsyncStateWriter(db) if db.dialect == "postgresql" else None

    def _save(self, *, kind: str, key: str, value: Any, name: str = "") -> None:
        encoded = state.encode(value)
        slot = (kind, name, key)
        unchanged = slot in self._written and self._written[slot] == encoded
        if unchanged and slot not in self._pending:
            return
        self._pending[slot] = encoded

    def collect(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Take the update's changes straight from the application, instead of PTB's pass.

        PTB's own pass deep-copies every touched user's data and runs each row through a
        task of its own: about a fifth of a menu answer's cost. Here each row is encoded to
        JSON at once, which is the copy. A state still waiting on a non-blocking handler
        (none of ours is) is handled as PTB does: the old state now, the new one next time.
        """
        touched = application._user_ids_to_be_updated_in_persistence
        dropped = application._user_ids_to_be_deleted_in_persistence
        application._user_ids_to_be_updated_in_persistence = set()
        application._user_ids_to_be_deleted_in_persistence = set()
        for user_id in touched - dropped:
            self._save_user(user_id, application.user_data[user_id])
        for user_id in dropped:
            self._save_user(user_id, None)
        for name, states in application._conversation_handler_conversations.items():
            for key, new_state in states.pop_accessed_write_items():
                if isinstance(new_state, PendingState):
                    if new_state.done():
                        new_state = new_state.resolve()
                    else:
                        states.mark_as_accessed(key)
                        new_state = new_state.old_state
                value = None if new_state is TrackingDict.DELETED else new_state
                self._save_conversation(name, key, value)

    def _save_user(self, user_id: int, data: dict[Any, Any] | None) -> None:
        # Encoded to JSON at once (`_save`): that is the copy, no deepcopy needed.
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
