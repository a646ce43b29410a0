"""The bot's Bot API client: PTB's ExtBot, with right-to-left texts given direction marks.

Every message, reminder, notice and edit leaves through `send_message` or
`edit_message_text` (PTB's own shortcuts, `Message.reply_text` and `Message.edit_text`,
call them too), so Arabic and Dari texts are shaped in one place (`bot.bidi.shape`);
other texts pass unchanged. Only public methods are overridden.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot

from bot.bidi import shape


class CentreBot(ExtBot[Any]):
    """ExtBot whose right-to-left texts keep numbers, times and phones in order."""

    async def send_message(self, chat_id: Any, text: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await super().send_message(chat_id, shape(text), *args, **kwargs)

    async def edit_message_text(self, text: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await super().edit_message_text(shape(text), *args, **kwargs)
