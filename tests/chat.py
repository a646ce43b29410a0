"""Play a user against the real Application and read what the bot sent back."""

from __future__ import annotations

from typing import Any

from bot.background import settle
from bot.fakeapi import BOT_USER, Call, FakeBotAPI
from bot.updates import chat_dict, make_callback, make_contact, make_message

_VISIBLE = {"sendMessage", "editMessageText", "sendDocument", "sendLocation", "sendContact"}


class Chat:
    def __init__(
        self,
        app: Any,
        fake: FakeBotAPI,
        *,
        user_id: int,
        language: str | None = "bg",
        chat_id: int | None = None,
    ) -> None:
        self.app = app
        self.fake = fake
        self.user_id = user_id
        self.chat_id = chat_id if chat_id is not None else user_id
        self.language = language
        self._seen = 0

    # --- acting ----------------------------------------------------------------------------
    async def send(self, text: str, *, reply_to: int | None = None) -> list[Call]:
        """Write a message; `reply_to` answers a bot message (its message id)."""
        extra: dict[str, Any] = {}
        if reply_to is not None:
            extra["reply_to_message"] = {
                "message_id": reply_to,
                "date": 0,
                "chat": {"id": self.chat_id, "type": "private" if self.chat_id > 0 else "group"},
            }
        update = make_message(
            self.app.bot, self.user_id, text, chat_id=self.chat_id, language=self.language, **extra
        )
        return await self._process(update)

    async def reply(self, text: str, to_message_id: int) -> list[Call]:
        """A Telegram reply ("Отговор") to one of the bot's messages in this chat."""
        replied = {
            "message_id": to_message_id,
            "date": 0,
            "chat": chat_dict(self.chat_id),
            "from": BOT_USER,
            "text": "…",
        }
        update = make_message(
            self.app.bot,
            self.user_id,
            text,
            chat_id=self.chat_id,
            language=self.language,
            reply_to_message=replied,
        )
        return await self._process(update)

    async def send_photo(self, caption: str | None = None) -> list[Call]:
        """A photo (as Telegram sends it: sizes and an optional caption)."""
        photo = [{"file_id": "photo-big", "file_unique_id": "u1", "width": 800, "height": 600}]
        extra: dict[str, Any] = {"photo": photo}
        if caption is not None:
            extra["caption"] = caption
        update = make_message(
            self.app.bot, self.user_id, None, chat_id=self.chat_id, language=self.language,
            **extra,
        )  # fmt: skip
        return await self._process(update)

    async def answer_prompt(self, text: str) -> list[Call]:
        """Reply to the bot's last message in this chat (a ForceReply prompt in a group)."""
        prompts = [
            c for c in self.fake.calls if c.method == "sendMessage" and c.chat_id == self.chat_id
        ]
        return await self.send(text, reply_to=prompts[-1].message_id if prompts else None)

    async def share_contact(self, phone: str, *, own: bool = True) -> list[Call]:
        update = make_contact(self.app.bot, self.user_id, phone, own=own, language=self.language)
        return await self._process(update)

    async def tap(self, data: str, *, message_id: int | None = None) -> list[Call]:
        """Press an inline button by its callback data (on the newest message with buttons)."""
        source = self.last_with_buttons()
        mid = message_id or (source.message_id if source else None) or 1
        update = make_callback(
            self.app.bot,
            self.user_id,
            data,
            message_id=int(mid),
            chat_id=self.chat_id,
            message_text=source.text if source else "…",
            language=self.language,
        )
        return await self._process(update)

    async def press(self, label_part: str) -> list[Call]:
        """Press the newest button whose label contains `label_part` (inline or reply)."""
        for call in reversed(self.visible()):
            for label, data in call.buttons():
                if label_part in label:
                    if data is None:
                        return await self.send(label)
                    return await self.tap(data, message_id=call.message_id)
        raise AssertionError(f"no button containing {label_part!r}; last: {self.last_text()!r}")

    async def _process(self, update: Any) -> list[Call]:
        self._seen = len(self.fake.calls)
        await self.app.process_update(update)
        await settle()  # staff notices run beside the update (bot/background.py)
        return self.new_calls()

    # --- reading ---------------------------------------------------------------------------
    def new_calls(self) -> list[Call]:
        return self.fake.calls[self._seen :]

    def visible(self) -> list[Call]:
        return [c for c in self.fake.calls if c.method in _VISIBLE and c.chat_id == self.chat_id]

    def replies(self) -> list[Call]:
        """Visible messages to this chat since the last action."""
        return [c for c in self.new_calls() if c.method in _VISIBLE and c.chat_id == self.chat_id]

    def reply_texts(self) -> str:
        return "\n".join(c.text for c in self.replies())

    def last(self) -> Call:
        calls = self.visible()
        assert calls, "the bot sent nothing to this chat"
        return calls[-1]

    def last_text(self) -> str:
        return self.last().text if self.visible() else ""

    def last_with_buttons(self) -> Call | None:
        for call in reversed(self.visible()):
            if call.buttons():
                return call
        return None

    def buttons(self) -> list[tuple[str, str | None]]:
        call = self.last_with_buttons()
        return call.buttons() if call else []

    def callback_data(self, prefix: str = "") -> list[str]:
        return [d for _, d in self.buttons() if d and d.startswith(prefix)]
