"""The handler index picks exactly the handler PTB's plain in-order scan would pick."""

from __future__ import annotations

import re
from typing import Any

import pytest
from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.flows import booking
from bot.routing import (
    ANY_BUTTON,
    HandlerIndex,
    RoutedConversation,
    indexed,
    literal_prefix,
    route_keys,
    routes_of,
)
from bot.ui import MENU_LABELS
from bot.updates import make_callback, make_contact, make_message, message_dict

Handler = BaseHandler[Any, Any, Any]


async def _noop(update: object, context: object) -> None:
    return None


@pytest.mark.parametrize(
    ("pattern", "prefix"),
    [
        (r"^info:about$", "info:about"),
        (r"^info:grp:(\w{1,40})$", "info:grp:"),
        (r"^st:(no|cx):\d+$", "st:"),
        (r"^st:", "st:"),
        (r"^ab?c", "a"),  # the b is optional
        (r"^x:a|^y:", None),  # a choice at the top: either prefix
        (r"^x:[(]|^y:", None),  # the bracket is in a class: still a choice at the top
        (r"^x:[|]y", "x:"),
        (r"info:", None),  # not anchored
        (re.compile(r"^info:", re.IGNORECASE), None),
        (re.compile(r"^info:"), "info:"),
        (None, None),
    ],
)
def test_literal_prefix(pattern: object, prefix: str | None) -> None:
    assert literal_prefix(pattern) == prefix


def test_routes_read_from_handlers() -> None:
    assert routes_of(CommandHandler(["Start", "help"], _noop)) == {"/start", "/help"}
    assert routes_of(CallbackQueryHandler(_noop, pattern=r"^my:list$")) == {"cb:my:"}
    assert routes_of(CallbackQueryHandler(_noop)) == {ANY_BUTTON}
    assert routes_of(CallbackQueryHandler(_noop, pattern=r"^(a|b):")) == {ANY_BUTTON}
    texts = filters.ChatType.PRIVATE & filters.Text(["a", "b"])
    assert routes_of(MessageHandler(texts, _noop)) == {"text:a", "text:b"}
    both = filters.Text(["a", "b"]) & filters.Text(["b", "c"])
    assert routes_of(MessageHandler(both, _noop)) == {"text:b"}
    either = filters.Text(["a"]) | filters.Text(["b"])
    assert routes_of(MessageHandler(either, _noop)) == {"text:a", "text:b"}
    # Anything that is not an exact text may match more: asked every time.
    assert routes_of(MessageHandler(filters.Text(["a"]) | filters.PHOTO, _noop)) is None
    assert routes_of(MessageHandler(~filters.Text(["a"]), _noop)) is None
    assert routes_of(MessageHandler(filters.TEXT, _noop)) is None
    assert routes_of(TypeHandler(Update, _noop)) is None


def test_index_keeps_the_order_within_a_key(app: Any) -> None:
    first = CallbackQueryHandler(_noop, pattern=r"^x:a$")
    catch_all = CallbackQueryHandler(_noop, pattern=r"^x:")
    any_press = CallbackQueryHandler(_noop)
    index = HandlerIndex([catch_all, first, any_press])
    found = index.check_update(make_callback(app.bot, 5, "x:a"))
    assert found is not None and found[0] is catch_all
    found = index.check_update(make_callback(app.bot, 5, "y:a"))
    assert found is not None and found[0] is any_press


def test_a_press_without_data_reaches_only_handlers_without_a_prefix(app: Any) -> None:
    # PTB would let it match the first pattern of all; Telegram never sends one.
    catch_all = CallbackQueryHandler(_noop)
    index = HandlerIndex([CallbackQueryHandler(_noop, pattern=r"^x:"), catch_all])
    found = index.check_update(make_callback(app.bot, 5, ""))
    assert found is not None and found[0] is catch_all


def test_indexed_keeps_conversations_outside() -> None:
    conversation = booking.handlers()[0]
    command = CommandHandler("x", _noop)
    out = indexed([command, conversation, command])
    assert [type(h) for h in out] == [HandlerIndex, type(conversation), HandlerIndex]


def _updates(bot: Any) -> list[Update]:
    """Every kind of update the bot meets, in private chats and in the staff group."""
    texts = [*MENU_LABELS.values(), "kude se namirate", "здравейте", "🆘 Спешна помощ"]
    commands = ["/start", "/help", "/menu", "/book", "/mybookings", "/mydata", "/forget"]
    commands += ["/privacy", "/cancel", "/today", "/week", "/staff", "/start@cop_test_bot x"]
    data = ["menu:show", "info:about", "info:about:2", "info:team", "info:groups:1"]
    data += ["info:grp:x", "info:svc:x", "info:contacts", "info:map", "info:services"]
    data += ["ref:q1", "ref:a:consult", "my:list", "my:cancel:1", "my:mday:1:20261203"]
    data += ["book:start", "book:topic:x", "book:day:20261203", "st:ok:1", "st:r:d:1:x"]
    data += ["st:note:1", "st:zzz", "prop:yes:1", "rem:ok:1", "data:forget", "zzz"]
    out: list[Update] = []
    for chat_id in (5, -100500):
        out += [make_message(bot, 5, t, chat_id=chat_id) for t in texts + commands]
        out += [make_callback(bot, 5, d, chat_id=chat_id) for d in data]
        out.append(make_contact(bot, 5, "+359888123456", chat_id=chat_id))
    edited = {"update_id": 9, "edited_message": message_dict(5, "бие ме")}
    channel = {"update_id": 10, "channel_post": message_dict(5, "/start", chat_id=-1001)}
    out += [Update.de_json(edited, bot), Update.de_json(channel, bot)]
    return out


def _flat(handlers: list[Handler]) -> list[Handler]:
    return [i for h in handlers for i in (h.handlers if isinstance(h, HandlerIndex) else [h])]


def _first(handlers: list[Handler], update: Update) -> Handler | None:
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return check[0] if isinstance(handler, HandlerIndex) else handler
    return None


def _plain_first(handlers: list[Handler], update: Update) -> Handler | None:
    """PTB's scan, with every conversation checked by PTB's own code."""
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            check = ConversationHandler.check_update(handler, update)
        else:
            check = handler.check_update(update)
        if check is not None and check is not False:
            return handler
    return None


@pytest.mark.parametrize("in_conversation", [None, booking.TOPIC, booking.DAY])
async def test_the_bot_picks_what_a_plain_scan_picks(app: Any, in_conversation: Any) -> None:
    for group, handlers in app.handlers.items():
        conversations = [h for h in handlers if isinstance(h, RoutedConversation)]
        for conversation in conversations:
            if in_conversation is not None:
                conversation._conversations[(5, 5)] = in_conversation
        try:
            for update in _updates(app.bot):
                route_keys(update)
                assert _first(handlers, update) is _plain_first(_flat(handlers), update), (
                    group,
                    update.to_dict(),
                )
        finally:
            for conversation in conversations:
                conversation._conversations.pop((5, 5), None)
