"""The bot's Bot API client: PTB's ExtBot, minus parsing what we sent ourselves.

Telegram answers every sendMessage and editMessageText with the whole message, our own
inline keyboard included, and a button press arrives with the keyboard of the message it
sits on. PTB turns each button into an object (a six-button keyboard costs more than the
rest of the message); the bot never looks at them: it knows what it sent, and a press is
routed by its callback data alone. `CentreBot` drops those keyboards before PTB parses the
answer, which takes a third off the cost of a typical reply.

The echoed message itself is built from a blank one (`echoed_message`): PTB's parser sets
each of a Message's 119 attributes through a Python-level check and looks for some eighty
kinds of content a text message never holds; that was a quarter of a menu answer's time.
"""

from __future__ import annotations

from collections.abc import Hashable
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from typing import Any

from telegram import (
    Chat,
    ForceReply,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
    User,
)
from telegram._utils.datetime import extract_tzinfo_from_defaults, from_timestamp, to_timestamp
from telegram._utils.defaultvalue import DefaultValue
from telegram.ext import ApplicationBuilder, ExtBot

from bot.bidi import shape

# Methods whose answer is the message we just sent or edited, keyboard and all.
_ECHOES_OUR_MESSAGE = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})


def _drop_keyboard(message: Any) -> None:
    if isinstance(message, dict):
        message.pop("reply_markup", None)


def drop_echoed_keyboards(endpoint: str, result: Any) -> None:
    """Remove the keyboards of our own messages from a Bot API answer, in place."""
    if endpoint in _ECHOES_OUR_MESSAGE:
        _drop_keyboard(result)
    elif endpoint == "getUpdates" and isinstance(result, list):
        for update in result:
            query = update.get("callback_query") if isinstance(update, dict) else None
            if isinstance(query, dict):
                _drop_keyboard(query.get("message"))


# What Telegram echoes of a plain text message; a message with anything else goes to PTB.
_PLAIN_KEYS = frozenset(
    {"message_id", "date", "chat", "from", "text", "entities", "edit_date", "link_preview_options"}
)


@cache
def _blank() -> tuple[tuple[str, object], ...]:
    """Every attribute of a Message built by PTB with nothing in it, as (name, value)."""
    names: list[str] = []
    for cls in Message.__mro__:
        names += [n for n in cls.__dict__.get("__slots__", ()) if n not in names]
    blank = Message(0, datetime.fromtimestamp(1), Chat(0, Chat.PRIVATE))
    return tuple((name, getattr(blank, name)) for name in names)


def echoed_message(data: dict[str, Any], bot: Any) -> Message:
    """The Message PTB's `Message.de_json` would make of our own echoed text, built faster.

    A blank message's attributes are copied, then the few a text message has are set, the
    way PTB sets them (`tests/test_bot_api.py` compares every attribute with PTB's own).
    """
    if (
        not _PLAIN_KEYS.issuperset(data)
        or not data.get("date")  # 0: an inaccessible message
        or not isinstance(data.get("chat"), dict)
        or not isinstance(data.get("from", {}), dict)
    ):
        return Message.de_json(data, bot)
    tz = extract_tzinfo_from_defaults(bot)
    chat = _peer(Chat, data["chat"], bot)
    message: Message = object.__new__(Message)
    put = object.__setattr__
    for name, value in _blank():
        put(message, name, value)
    put(message, "message_id", data["message_id"])
    put(message, "date", from_timestamp(data["date"], tzinfo=tz))
    put(message, "chat", chat)
    put(message, "_id_attrs", (data["message_id"], chat))
    if "from" in data:
        put(message, "from_user", _peer(User, data["from"], bot))
    if "text" in data:
        put(message, "text", data["text"])
    if "entities" in data:
        put(message, "entities", MessageEntity.de_list(data["entities"], bot))
    if "edit_date" in data:
        put(message, "edit_date", from_timestamp(data["edit_date"], tzinfo=tz))
    if "link_preview_options" in data:
        put(
            message,
            "link_preview_options",
            LinkPreviewOptions.de_json(data["link_preview_options"], bot),
        )
    message.set_bot(bot)
    return message


_peers: dict[tuple[Hashable, ...], TelegramObject] = {}


def _peer(cls: type[Chat] | type[User], data: dict[str, Any], bot: Any) -> Any:
    """A chat or user as PTB parses it, kept: the same few come back in every answer.

    Both are frozen, so one object may sit in many messages.
    """
    try:
        key = (cls, id(bot), *data.items())
        found = _peers.get(key)
    except TypeError:  # a nested value (a photo, a location …): parse it each time
        return cls.de_json(data, bot)
    if found is None:
        if len(_peers) >= 4096:
            _peers.clear()
        found = _peers[key] = cls.de_json(data, bot)
    return found


# The raw message an echoing call answered with, while `CentreBot._send_message` runs.
_ECHO: ContextVar[list[dict[str, Any]] | None] = ContextVar("echo", default=None)


# Values that PTB's default filling leaves as they are (when Defaults set no API defaults).
_SCALARS = frozenset({str, int, float, bool, type(None)})
_UNTOUCHED = (
    *_SCALARS,
    LinkPreviewOptions,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ForceReply,
)


class CentreBot(ExtBot[Any]):
    """ExtBot whose answers carry no echoed keyboards (see the module's docstring).

    Texts that read right to left (Arabic, Dari) get their direction marks here, the one
    place every message, reminder and notice passes (`bot.bidi.shape`).
    """

    async def send_message(self, chat_id: Any, text: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await super().send_message(chat_id, shape(text), *args, **kwargs)

    async def edit_message_text(self, text: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await super().edit_message_text(shape(text), *args, **kwargs)

    def _insert_defaults(self, data: dict[str, object]) -> None:
        """PTB's filling of default values, short when our Defaults hold only a time zone.

        ExtBot runs every parameter of every call through seven type checks, for the
        parse modes, media and poll options a Defaults object may carry. Ours carries the
        time zone alone: a default value is then its plain value and a datetime becomes a
        timestamp in that zone. Anything else (media, polls …) goes to PTB's own filling.
        """
        defaults = self.defaults
        if defaults is None or defaults.api_defaults:
            super()._insert_defaults(data)
            return
        for key, value in data.items():
            if type(value) in _SCALARS:
                continue
            if isinstance(value, DefaultValue):
                data[key] = value.value
            elif isinstance(value, datetime):
                data[key] = to_timestamp(value, tzinfo=defaults.tzinfo)
            elif not _untouched(value):
                super()._insert_defaults(data)
                return

    async def _send_message(self, endpoint: str, data: Any, *args: Any, **kwargs: Any) -> Any:
        """PTB's sending, with the echoed message built by `echoed_message`.

        PTB's `Bot._send_message` parses the answer unless it is `True` (an inline message
        was edited). `_do_post` hands the answer over here and gives PTB that `True`.
        """
        if endpoint not in _ECHOES_OUR_MESSAGE or self.callback_data_cache is not None:
            return await super()._send_message(endpoint, data, *args, **kwargs)
        caught: list[dict[str, Any]] = []
        token = _ECHO.set(caught)
        try:
            result = await super()._send_message(endpoint, data, *args, **kwargs)
        finally:
            _ECHO.reset(token)
        return echoed_message(caught[-1], self) if caught else result

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        result = await super()._do_post(endpoint, data, **kwargs)
        drop_echoed_keyboards(endpoint, result)
        caught = _ECHO.get()
        if caught is not None and endpoint in _ECHOES_OUR_MESSAGE and isinstance(result, dict):
            caught.append(result)
            return True
        return result


def _untouched(value: object) -> bool:
    """A value PTB's filling passes on as it is (not media, not poll options)."""
    return isinstance(value, _UNTOUCHED) or (
        isinstance(value, list) and all(isinstance(v, MessageEntity) for v in value)
    )


class CentreApplicationBuilder(ApplicationBuilder):  # type: ignore[type-arg]
    """ApplicationBuilder that makes a `CentreBot`; every other option works as usual."""

    def _build_ext_bot(self) -> ExtBot[Any]:
        """As PTB 22's own, with our class (the builder has no option for it)."""
        if isinstance(self._token, DefaultValue):
            raise RuntimeError("No bot token was set.")
        return CentreBot(
            token=self._token,
            base_url=DefaultValue.get_value(self._base_url),
            base_file_url=DefaultValue.get_value(self._base_file_url),
            private_key=DefaultValue.get_value(self._private_key),
            private_key_password=DefaultValue.get_value(self._private_key_password),
            defaults=DefaultValue.get_value(self._defaults),
            arbitrary_callback_data=DefaultValue.get_value(self._arbitrary_callback_data),
            request=self._build_request(get_updates=False),
            get_updates_request=self._build_request(get_updates=True),
            rate_limiter=DefaultValue.get_value(self._rate_limiter),
            local_mode=DefaultValue.get_value(self._local_mode),
        )
