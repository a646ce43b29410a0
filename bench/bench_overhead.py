"""Overhead: the full bot next to bare PTB bots, on the same fake transport.

    .venv/bin/python bench/bench_overhead.py [--updates 5000] [--parents 20]

The same stream of updates goes through both, one update each in turn (so both see the same
machine noise): the full bot built by `bot.app.build_application` (SQLite, persistence on,
rate limiter off: we measure our code, not Telegram's ceiling) and a bare PTB application
that echoes texts and answers + edits on button presses. Both talk to `bot.fakeapi.FakeBotAPI`.
Printed: median and p95 of `Application.process_update` per update, and the ratio, for
menu/info updates and for each step of the booking conversation.
Target: ratio ≤ 1.5 for menu/info.

A third application, "same replies", is a bare PTB bot that makes exactly the Bot API calls
the full bot made for that update (same texts, keyboards and options, built beforehand). It
shows what PTB itself costs for our answers, so the rest is the cost of our code: the
echo bot's one-line answer has no keyboard to serialise and no message to parse back.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func
from sqlmodel import select
from telegram import (
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.app import build_application
from bot.background import settle
from bot.config import Settings
from bot.fakeapi import Call, FakeBotAPI
from bot.updates import message_dict, user_dict
from storage.models import Appointment

_ids = itertools.count(1)

# Menu and information traffic: what most updates are on an ordinary day.
MENU_STREAM: list[tuple[str, str]] = [
    ("text", "/start"),
    ("text", "ℹ️ За центъра"),
    ("tap", "info:about:2"),
    ("tap", "info:team"),
    ("tap", "info:groups:1"),
    ("text", "📋 Услуги"),
    ("tap", "info:services"),
    ("text", "☎️ Контакти"),
    ("text", "📄 Направление от ДСП"),
    ("tap", "ref:q1"),
    ("tap", "ref:a:consult"),
    ("text", "kude se namirate"),
    ("text", "/help"),
    ("tap", "menu:show"),
]


def text_update(user_id: int, text: str) -> dict[str, Any]:
    return {"update_id": next(_ids), "message": message_dict(user_id, text)}


def contact_update(user_id: int, phone: str) -> dict[str, Any]:
    contact = {"phone_number": phone, "first_name": "Мария", "user_id": user_id}
    return {"update_id": next(_ids), "message": message_dict(user_id, None, contact=contact)}


def tap_update(user_id: int, data: str, message_id: int, text: str = "…") -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": user_dict(user_id),
            "chat_instance": f"ci{user_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Мария"},
                "from": {"id": 7000000001, "is_bot": True, "first_name": "ЦОП бот"},
                "text": text,
            },
        },
    }


def echo_application(fake: FakeBotAPI) -> Application[Any, Any, Any, Any, Any, Any]:
    """The baseline: a bare PTB bot that echoes texts and answers/edits on presses."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        await message.reply_text(message.text or "contact")

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"pressed {query.data}")

    app = ApplicationBuilder().token("123:TEST").request(fake).get_updates_request(fake).build()
    app.add_handler(MessageHandler(filters.TEXT | filters.CONTACT, echo))
    app.add_handler(CallbackQueryHandler(press))
    return app


_MARKUPS: dict[str, Any] = {
    "inline_keyboard": InlineKeyboardMarkup,
    "keyboard": ReplyKeyboardMarkup,
    "remove_keyboard": ReplyKeyboardRemove,
}


def _prebuilt(call: Call, bot: Any) -> tuple[str, dict[str, Any], Any]:
    """The call as PTB objects, built before the clock starts."""
    kwargs = dict(call.params)
    markup = kwargs.get("reply_markup")
    if isinstance(markup, str):
        markup = json.loads(markup)
    if isinstance(markup, dict):
        kind = next(k for k in _MARKUPS if k in markup)
        kwargs["reply_markup"] = _MARKUPS[kind].de_json(markup, bot)
    preview = kwargs.get("link_preview_options")
    if isinstance(preview, str):
        preview = json.loads(preview)
    if isinstance(preview, dict):
        kwargs["link_preview_options"] = LinkPreviewOptions.de_json(preview, bot)
    returns = Message if isinstance(call.result, dict) and "message_id" in call.result else None
    return call.method, kwargs, returns


def same_replies_application(fake: FakeBotAPI) -> tuple[Any, list[Any]]:
    """A bare PTB bot that makes the calls it is handed for the next update."""
    script: list[Any] = []

    async def replay(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        for method, kwargs, returns in script:
            await context.bot.do_api_request(method, api_kwargs=kwargs, return_type=returns)

    # do_api_request with a known method name warns ("use Bot.sendMessage"): intended here.
    warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)
    app = ApplicationBuilder().token("123:TEST").request(fake).get_updates_request(fake).build()
    app.add_handler(TypeHandler(Update, replay))
    return app, script


class Pair:
    """Feeds each update to the full bot, the echo bot and the same-replies bot."""

    def __init__(
        self, full: Any, echo: Any, full_fake: FakeBotAPI, same: tuple[Any, list[Any]]
    ) -> None:
        self.full = full
        self.echo = echo
        self.full_fake = full_fake
        self.same, self.script = same
        self.times: dict[str, tuple[list[float], ...]] = defaultdict(lambda: ([], [], []))
        self.turn = 0

    async def feed(self, label: str, update: dict[str, Any]) -> list[Call]:
        seen = len(self.full_fake.calls)
        # Full and echo take turns going first (caches, the collector); "same replies"
        # goes last: it makes the calls the full bot has just made.
        self.turn += 1
        order = (0, 1, 2) if self.turn % 2 else (1, 0, 2)
        for index in order:
            app = (self.full, self.echo, self.same)[index]
            parsed = Update.de_json(update, app.bot)
            if app is self.same:
                made = self.full_fake.calls[seen:]
                self.script[:] = [_prebuilt(c, app.bot) for c in made if not c.files]
            started = time.perf_counter()
            await app.process_update(parsed)
            if app is self.full:
                await settle()  # a new booking's staff card runs beside the update
            self.times[label][index].append((time.perf_counter() - started) * 1000)
        return self.full_fake.calls[seen:]

    def report(self) -> None:
        print(
            f"{'updates':<16}{'n':>6}{'full med':>10}{'full p95':>10}"
            f"{'echo med':>10}{'echo p95':>10}{'ratio med':>11}{'ratio p95':>11}"
            f"{'same med':>10}{'vs same':>9}"
        )
        for label, (full, echo, same) in self.times.items():
            fm, fp, em, ep, sm = _med(full), _p95(full), _med(echo), _p95(echo), _med(same)
            print(
                f"{label:<16}{len(full):>6}{fm:>9.2f} {fp:>9.2f} {em:>9.2f} {ep:>9.2f}"
                f"{fm / em:>10.2f} {fp / ep:>10.2f}{sm:>9.2f} {fm / sm:>8.2f}"
            )
        print(
            "(milliseconds per update, Application.process_update; ratio = full / echo; "
            "vs same = full / a bare bot making the same Bot API calls)"
        )


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _last_buttons(calls: list[Call], chat_id: int) -> tuple[int, list[tuple[str, str | None]]]:
    for call in reversed(calls):
        if call.chat_id == chat_id and call.buttons():
            return int(call.message_id or 1), call.buttons()
    return 1, []


async def book_once(pair: Pair, user_id: int, history: list[Call]) -> None:
    """One parent through the booking conversation, each step timed."""

    def pick(prefix: str) -> tuple[int, str] | None:
        message_id, buttons = _last_buttons(history, user_id)
        for _, data in buttons:
            if data and data.startswith(prefix):
                return message_id, data
        return None

    steps: list[tuple[str, Callable[[], dict[str, Any] | None]]] = [
        ("book: open", lambda: text_update(user_id, "📅 Запазете час")),
        ("book: topic", lambda: _tap(pick("book:topic:"), user_id)),
        ("book: skip note", lambda: _tap(pick("book:skip"), user_id)),
        ("book: day", lambda: _tap(pick("book:day:"), user_id)),
        ("book: time", lambda: _tap(pick("book:time:"), user_id)),
        ("book: consent", lambda: _tap(pick("book:consent:yes"), user_id)),
        ("book: name", lambda: text_update(user_id, "Мария")),
        ("book: phone", lambda: contact_update(user_id, "+359888123456")),
        ("book: confirm", lambda: _tap(pick("book:confirm"), user_id)),
    ]
    for label, make in steps:
        update = make()
        if update is None:
            continue  # a step this flow does not have (e.g. consent already given)
        history.extend(await pair.feed(label, update))


def _tap(found: tuple[int, str] | None, user_id: int) -> dict[str, Any] | None:
    if found is None:
        return None
    message_id, data = found
    return tap_update(user_id, data, message_id)


async def run(updates: int, parents: int, bookings: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN="123:TEST",
            DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
            STAFF_CHAT_ID=-100500,
            RATE_LIMITER=False,
        )
        full_fake, echo_fake = FakeBotAPI(), FakeBotAPI()
        full = build_application(settings, request=full_fake, rate_limiter=False)
        echo = echo_application(echo_fake)
        same = same_replies_application(FakeBotAPI())
        async with full, echo, same[0]:
            await full.start()  # persistence runs as in production
            await echo.start()
            pair = Pair(full, echo, full_fake, same)
            # warm-up: imports, catalogs, SQLite pages
            for user in range(parents):
                await pair.feed("warm-up", text_update(900_000 + user, "/start"))
            del pair.times["warm-up"]
            stream = itertools.cycle(MENU_STREAM)
            for n in range(updates):
                user = 1_000_000 + n % parents
                kind, value = next(stream)
                update = (
                    text_update(user, value)
                    if kind == "text"
                    else tap_update(user, value, message_id=1)
                )
                await pair.feed("menu/info", update)
            for n in range(bookings):
                history: list[Call] = []
                await book_once(pair, 2_000_000 + n, history)
                full_fake.calls.clear()
            with full.bot_data["services"].db.session() as session:
                made = session.exec(select(func.count()).select_from(Appointment)).one()
            await full.stop()
            await echo.stop()
        print(
            f"bench_overhead: {updates} menu/info updates from {parents} parents, "
            f"{bookings} booking conversations, {made} bookings saved"
        )
        pair.report()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--parents", type=int, default=20)
    parser.add_argument("--bookings", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.updates, args.parents, args.bookings))


if __name__ == "__main__":
    main()
