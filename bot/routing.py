"""Which handler group answers an update: conversations first, then everything else.

PTB asks the handlers of a group in their order; the first that takes the update handles
it, then the next group is asked, unless the handler raised `ApplicationHandlerStop`.
The bot uses that as PTB documents it:

- `GROUP_CRISIS`: crisis words answer first, in any state, and stop there.
- `GROUP_CONVERSATIONS`: the conversations (staff input, booking). A conversation step
  that answered stops the update there: its callback is wrapped by `answered`, which
  raises `ApplicationHandlerStop(new_state)` (a ConversationHandler moves to that state and
  stops the later groups). A step that hands over (a main-menu button, /start or /menu
  during a booking) returns `ConversationHandler.END` without answering, and the update
  goes on to the main group, where the menu answers it as it would outside a booking.
- `GROUP_MAIN`: commands, views and buttons, in the order `bot.app` lists them; the
  fallback last.

Both wrappers also note that a conversation step ran (`watch_steps`): only such an update
can have moved a conversation, so only then does `bot.app.CentreApplication` start a
persistence pass at once (PTB's own pass, once a second, catches anything else).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from contextvars import ContextVar
from typing import Any, NoReturn, TypeVar

from telegram.ext import ApplicationHandlerStop, BaseHandler, ConversationHandler

GROUP_CRISIS = -5  # crisis words beat any conversation state
GROUP_CONVERSATIONS = -1  # conversations; a step that answered stops the update
GROUP_MAIN = 0  # commands, views, buttons; the fallback is last in this group

Handler = BaseHandler[Any, Any, Any]
U = TypeVar("U")
C = TypeVar("C")
R = TypeVar("R")


# Set while an update is processed (`CentreApplication.process_update`); a step flips it.
_step_ran: ContextVar[list[bool] | None] = ContextVar("step_ran", default=None)


def watch_steps() -> list[bool]:
    """Start watching for conversation steps in this update; the list holds the answer."""
    ran = [False]
    _step_ran.set(ran)
    return ran


def note_step() -> None:
    """This update ran a conversation step: its state is written right after it."""
    ran = _step_ran.get()
    if ran is not None:
        ran[0] = True


def answered(
    callback: Callable[[U, C], Awaitable[object]],
) -> Callable[[U, C], Coroutine[Any, Any, NoReturn]]:
    """A conversation step that answers the update itself: no later group may answer it too."""

    @functools.wraps(callback)
    async def step(update: U, context: C) -> NoReturn:
        note_step()
        raise ApplicationHandlerStop(await callback(update, context))

    return step


def handed_over(
    callback: Callable[[U, C], Awaitable[R]],
) -> Callable[[U, C], Coroutine[Any, Any, R]]:
    """A conversation step that ends it without answering: the main group answers."""

    @functools.wraps(callback)
    async def step(update: U, context: C) -> R:
        note_step()
        return await callback(update, context)

    return step


def split_conversations(handlers: Iterable[Handler]) -> tuple[list[Handler], list[Handler]]:
    """(the conversations, everything else), each in the order given."""
    conversations: list[Handler] = []
    rest: list[Handler] = []
    for handler in handlers:
        (conversations if isinstance(handler, ConversationHandler) else rest).append(handler)
    return conversations, rest
