"""Handler lookup by what an update is: its button's prefix, its command, its exact text.

PTB asks every handler of a group in turn, and most of a menu answer's dispatch went on
some forty handlers saying "not mine". `HandlerIndex` takes a run of ordinary handlers
and asks, in their order, only those that could take the update at all. What a handler
could take is read from the handler itself (see `routes_of`), so flows keep listing
plain PTB handlers and a handler that cannot be read is simply asked every time.

Conversations stay outside the index, as PTB's own handlers of the group: PTB loads and
saves their states only when they are registered with the application directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from telegram import MessageEntity, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

Handler = BaseHandler[Any, Any, Any]
Check = tuple[Handler, object]
Routes = frozenset[str] | None  # None: the handler may take any update

ANY_BUTTON = "cb:*"  # every button press carries this key
_REGEX_SPECIAL = frozenset(".^$*+?{}[]\\|()")
_QUANTIFIERS = frozenset("*+?{")


def _has_top_level_choice(source: str) -> bool:
    """ "^a:x|^b:" may match without the first prefix: its "|" is outside any group."""
    depth, escaped, in_class = 0, False, False
    for char in source:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:  # "[(|]": no group, no choice inside a class
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


def literal_prefix(pattern: object) -> str | None:
    """What every data a pattern matches starts with: "^info:grp:(\\w+)$" -> "info:grp:"."""
    if isinstance(pattern, re.Pattern):
        if pattern.flags & ~re.UNICODE:  # ignore-case, verbose …: the letters may differ
            return None
        pattern = pattern.pattern
    source = pattern
    if not isinstance(source, str) or not source.startswith("^"):
        return None
    if _has_top_level_choice(source):
        return None
    end = 1
    while end < len(source) and source[end] not in _REGEX_SPECIAL:
        end += 1
    if end < len(source) and source[end] in _QUANTIFIERS:
        end -= 1  # "^ab?" : the b is optional
    return source[1:end] or None


def _button_route(prefix: str | None) -> str:
    """The key of the presses a prefix can match: its part up to the first colon."""
    if prefix is not None and (colon := prefix.find(":")) > 0:
        return "cb:" + prefix[: colon + 1]
    return ANY_BUTTON


def _text_routes(message_filter: object) -> Routes:
    """Exact texts a filter requires (a `filters.Text` of strings, alone or and-ed)."""
    if isinstance(message_filter, filters.Text) and message_filter.strings:
        return frozenset("text:" + s for s in message_filter.strings)
    left = getattr(message_filter, "base_filter", None)
    if left is None:
        return None
    if (right := getattr(message_filter, "and_filter", None)) is not None:
        a, b = _text_routes(left), _text_routes(right)
        if a is None or b is None:
            return a if b is None else b
        return a & b
    if (right := getattr(message_filter, "or_filter", None)) is not None:
        a, b = _text_routes(left), _text_routes(right)
        return None if a is None or b is None else a | b
    return None


def routes_of(handler: BaseHandler[Any, Any, Any]) -> Routes:
    """The keys of every update the handler could take; None when that cannot be read.

    Only a necessary condition: the handler's own check still decides. A command handler
    takes only its commands, a button handler only presses whose data starts as its
    pattern does, a message handler filtered on exact texts only those texts.
    """
    if isinstance(handler, CommandHandler):
        return frozenset("/" + command for command in handler.commands)
    if isinstance(handler, CallbackQueryHandler):
        return frozenset({_button_route(literal_prefix(handler.pattern))})
    if isinstance(handler, MessageHandler):
        return _text_routes(handler.filters)
    return None


def _command(update: Update) -> str | None:
    """The command as PTB's CommandHandler reads it ("/start@cop_bot x" -> "start")."""
    message = update.effective_message
    if message is None or not message.entities or not message.text:
        return None
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    return message.text[1 : first.length].split("@")[0].lower()


# The keys of the update last asked about: every index and conversation asks for them.
# The update is kept alive here, so an identical id is always the same update.
_last: tuple[object, tuple[str, ...]] = (None, ())


def route_keys(update: Update) -> tuple[str, ...]:
    """The keys an update can be found under (see `routes_of`)."""
    global _last
    if _last[0] is update:
        return _last[1]
    keys = _route_keys(update)
    _last = (update, keys)
    return keys


def _route_keys(update: Update) -> tuple[str, ...]:
    keys: list[str] = []
    query = update.callback_query
    if query is not None:
        keys.append(ANY_BUTTON)
        data = query.data
        if isinstance(data, str) and (colon := data.find(":")) > 0:
            keys.append("cb:" + data[: colon + 1])
    command = _command(update)
    if command is not None:
        keys.append("/" + command)
    message = update.effective_message
    if message is not None and message.text:
        keys.append("text:" + message.text)
    return tuple(keys)


async def _unused(update: object, context: object) -> None:  # pragma: no cover
    raise AssertionError("the index delegates to its handlers")


class HandlerIndex(BaseHandler[Update, Any, None]):
    """A run of handlers in their order, each asked only about updates it could take."""

    def __init__(self, handlers: Sequence[BaseHandler[Any, Any, Any]]) -> None:
        super().__init__(_unused)
        self.handlers = list(handlers)
        self._routes = [routes_of(h) for h in self.handlers]
        self._known: frozenset[str] = frozenset().union(*(r for r in self._routes if r))
        # Button handlers also carry their pattern's literal start ("info:team"), checked
        # with one startswith before the pattern itself.
        self._prefixes = [
            literal_prefix(h.pattern) if isinstance(h, CallbackQueryHandler) else None
            for h in self.handlers
        ]
        # Candidates per set of known keys: a few dozen sets at most (the keys are ours).
        self._candidates: dict[tuple[str, ...], list[tuple[str | None, Handler]]] = {}

    def _for(self, keys: tuple[str, ...]) -> list[tuple[str | None, Handler]]:
        found = self._candidates.get(keys)
        if found is None:
            wanted = set(keys)
            found = self._candidates[keys] = [
                (prefix, handler)
                for handler, routes, prefix in zip(
                    self.handlers, self._routes, self._prefixes, strict=True
                )
                if routes is None or not routes.isdisjoint(wanted)
            ]
        return found

    def check_update(self, update: object) -> Check | None:
        if not isinstance(update, Update):
            return None
        keys = tuple(k for k in route_keys(update) if k in self._known)
        query = update.callback_query
        # A press without text data (PTB lets a press with none match every pattern;
        # Telegram sends 1-64 bytes) reaches only the handlers without a prefix.
        data = query.data if query is not None and isinstance(query.data, str) else ""
        for prefix, handler in self._for(keys):
            if prefix is not None and not data.startswith(prefix):
                continue
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


def indexed(handlers: Iterable[BaseHandler[Any, Any, Any]]) -> list[BaseHandler[Any, Any, Any]]:
    """The handlers with each run between conversations behind one `HandlerIndex`."""
    out: list[BaseHandler[Any, Any, Any]] = []
    run: list[BaseHandler[Any, Any, Any]] = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            if run:
                out.append(HandlerIndex(run))
                run = []
            out.append(handler)
        else:
            run.append(handler)
    if run:
        out.append(HandlerIndex(run))
    return out


class RoutedConversation(ConversationHandler[Any]):
    """A conversation that answers "not mine" at once to updates that cannot start it.

    PTB's own check tries every entry point (and formats a debug line) for every update
    of every user who is not in the conversation, which is most updates. When all entry
    points can be read (see `routes_of`) and the update has none of their keys, only
    the user's current state is looked up; everything else is PTB's.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entry_routes = [routes_of(h) for h in self.entry_points]
        self._entry_routes: frozenset[str] | None = (
            None if any(r is None for r in entry_routes) else frozenset().union(*entry_routes)
        )
        # Ours are per chat and user: the key is then (chat id, user id), as PTB builds it.
        self._chat_and_user = self.per_chat and self.per_user and not self.per_message

    def _key_or_none(self, update: Update) -> tuple[int | str, ...] | None:
        if self._chat_and_user:
            chat, user = update.effective_chat, update.effective_user
            return None if chat is None or user is None else (chat.id, user.id)
        try:
            return self._get_key(update)
        except RuntimeError:  # no chat or user: PTB's own check says None too
            return None

    def check_update(self, update: object) -> Any:
        if (
            isinstance(update, Update)
            and self._entry_routes is not None
            and self._entry_routes.isdisjoint(route_keys(update))
        ):
            key = self._key_or_none(update)
            if key is None or key not in self._conversations:
                return None
        return super().check_update(update)
