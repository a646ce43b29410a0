"""The bot's Bot API client: PTB's ExtBot, minus parsing keyboards we never read back.

Telegram answers every sendMessage and editMessageText with the whole message, our own
inline keyboard included, and a button press arrives with the keyboard of the message it
sits on. PTB turns each button into an object (a six-button keyboard costs more than the
rest of the message); the bot never looks at them: it knows what it sent, and a press is
routed by its callback data alone. `CentreBot` drops those keyboards before PTB parses the
answer, which takes a third off the cost of a typical reply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import (
    ForceReply,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram._utils.datetime import to_timestamp
from telegram._utils.defaultvalue import DefaultValue
from telegram.ext import ApplicationBuilder, ExtBot

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
    """ExtBot whose answers carry no echoed keyboards (see the module's docstring)."""

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

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        result = await super()._do_post(endpoint, data, **kwargs)
        drop_echoed_keyboards(endpoint, result)
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
