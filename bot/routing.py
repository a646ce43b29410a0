"""Buttons grouped by the prefix of their callback data ("info:", "my:", "st:" …).

PTB asks every handler of a group in turn; a press then meets some thirty regular
expressions before its own. A section answers "not mine" with one `startswith` and only
then asks its handlers, in their order. The handlers themselves stay ordinary
`CallbackQueryHandler`s listed in their flow's module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CallbackQueryHandler

Check = tuple[BaseHandler[Any, Any, Any], object]


async def _unused(update: object, context: object) -> None:  # pragma: no cover
    raise AssertionError("a section delegates to its handlers")


class ButtonSection(BaseHandler[Update, Any, None]):
    """The callback handlers of one prefix, checked only when the prefix matches."""

    def __init__(self, prefix: str, handlers: Sequence[CallbackQueryHandler[Any, Any]]) -> None:
        super().__init__(_unused)
        self.prefix = prefix
        self.handlers = list(handlers)

    def check_update(self, update: object) -> Check | None:
        if not isinstance(update, Update) or update.callback_query is None:
            return None
        data = update.callback_query.data
        if not isinstance(data, str) or not data.startswith(self.prefix):
            return None
        for handler in self.handlers:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    async def handle_update(  # type: ignore[override]
        self,
        update: Update,
        application: Application[Any, Any, Any, Any, Any, Any],
        check_result: Check,
        context: Any,
    ) -> object:
        handler, check = check_result
        return await handler.handle_update(update, application, check, context)
