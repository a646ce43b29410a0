"""Act as a Telegram user against the emulator and read what the bot answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.emulator.server import BOT_ID, Emulator, Event, inline_buttons

Match = str | Callable[[Event], bool] | None


def button(prefix: str) -> Callable[[Event], bool]:
    """Match a bot message that has an inline button whose data starts with `prefix`."""
    return lambda e: any(d and d.startswith(prefix) for _, d in e.buttons())


def _matcher(match: Match) -> Callable[[Event], bool]:
    if match is None:
        return lambda e: e.method != "deleteMessage"
    if isinstance(match, str):
        return lambda e: match in e.text
    return match


class User:
    """One user in one chat (private by default; pass `chat_id` for the staff group).

    Every action moves a mark; `wait()` looks only at what the bot did after the mark, so
    a test reads as: act, then wait for the answer it expects (bounded, no sleeps).
    """

    def __init__(
        self,
        emulator: Emulator,
        user_id: int,
        *,
        chat_id: int | None = None,
        first_name: str = "Мария",
        language: str | None = "bg",
    ) -> None:
        self.emu = emulator
        self.user_id = user_id
        self.chat_id = chat_id if chat_id is not None else user_id
        emulator.user(user_id, first_name=first_name, language=language)
        emulator.chat(self.chat_id)
        self.mark = emulator.seq
        self.last_query_id: str | None = None
        self.last_update_id = 0

    # --- acting ------------------------------------------------------------------------
    def send(self, text: str) -> int:
        """Write a message (a leading /command gets its bot_command entity)."""
        self.mark = self.emu.seq
        update_id, _ = self.emu.user_message(self.user_id, self.chat_id, text=text)
        self.last_update_id = update_id
        return update_id

    def share_contact(self, phone: str, *, own: bool = True, first_name: str = "Мария") -> int:
        """Press Telegram's "share contact" button (own number) or forward someone's."""
        self.mark = self.emu.seq
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name}
        contact["user_id"] = self.user_id if own else self.user_id + 1
        update_id, _ = self.emu.user_message(self.user_id, self.chat_id, contact=contact)
        self.last_update_id = update_id
        return update_id

    def tap(self, data: str, message_id: int | None = None) -> str:
        """Press an inline button by callback data (on the newest message with buttons)."""
        if message_id is None:
            message = self.last_with_buttons()
            message_id = int(message["message_id"]) if message else 1
        self.mark = self.emu.seq
        update_id, query_id = self.emu.press_button(self.user_id, self.chat_id, message_id, data)
        self.last_query_id = query_id
        self.last_update_id = update_id
        return query_id

    def press(self, label_part: str) -> str | int:
        """Press the newest button whose label contains `label_part`: inline or reply."""
        for message in reversed(self.messages()):
            for label, data in inline_buttons(message):
                if label_part in label and data is not None:
                    return self.tap(data, int(message["message_id"]))
        state = self.emu.chats[self.chat_id]
        for row in state.reply_keyboard or []:
            for label in row:
                if label_part in label:
                    return self.send(label)
        raise AssertionError(f"no button containing {label_part!r}; last: {self.last_text()!r}")

    # --- reading -----------------------------------------------------------------------
    def messages(self) -> list[dict[str, Any]]:
        """The bot's messages in this chat as they stand now."""
        return self.emu.bot_messages(self.chat_id)

    def last_text(self) -> str:
        messages = self.messages()
        if not messages:
            return ""
        return str(messages[-1].get("text") or messages[-1].get("caption") or "")

    def last_with_buttons(self) -> dict[str, Any] | None:
        for message in reversed(self.messages()):
            if inline_buttons(message):
                return message
        return None

    def buttons(self) -> list[tuple[str, str | None]]:
        return inline_buttons(self.last_with_buttons())

    def callback_data(self, prefix: str = "") -> list[str]:
        return [d for _, d in self.buttons() if d and d.startswith(prefix)]

    def reply_keyboard(self) -> list[str]:
        rows = self.emu.chats[self.chat_id].reply_keyboard or []
        return [label for row in rows for label in row]

    def new_events(self) -> list[Event]:
        """What the bot did in this chat since the last action."""
        return self.emu.chat_events(self.chat_id, after=self.mark)

    def all_texts(self) -> list[str]:
        return [e.text for e in self.emu.chat_events(self.chat_id) if e.text]

    # --- waiting -----------------------------------------------------------------------
    def _find(self, match: Match) -> Event | None:
        test = _matcher(match)
        for event in self.new_events():
            if test(event):
                return event
        return None

    def wait(self, match: Match = None, timeout: float = 5.0) -> Event:
        """The first bot action after the last action that matches (text part or test)."""
        return self.emu.wait_for(
            lambda: self._find(match),
            timeout,
            what=f"a bot message matching {match!r} in chat {self.chat_id}; "
            f"got {[e.text[:60] for e in self.new_events()]}",
        )

    async def wait_async(self, match: Match = None, within: float = 5.0) -> Event:
        return await self.emu.wait_for_async(
            lambda: self._find(match), within, what=f"{match!r} in chat {self.chat_id}"
        )

    def wait_answered(self, query_id: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
        """Wait until the bot answered the button press (answerCallbackQuery)."""
        query = query_id or self.last_query_id
        assert query is not None, "no button was pressed"
        return self.emu.wait_for(
            lambda: self.emu.callback_answers.get(query),
            timeout,
            what=f"an answer to callback query {query}",
        )

    def is_bot_message(self, message: dict[str, Any]) -> bool:
        return bool(message.get("from", {}).get("id") == BOT_ID)
