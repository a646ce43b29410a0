"""A small Bot API server of our own: real Bot API shapes over HTTP on 127.0.0.1.

The bot under test reaches it with `TELEGRAM_BASE_URL=http://127.0.0.1:PORT/bot`; tests act
as users through `Emulator` (or `tests.emulator.client.User`) and read what the bot sent.

State lives behind one `threading.RLock`, so the same object serves an asyncio test or bench
running on the emulator's loop and a plain (sync) test whose emulator runs in a background
thread (`EmulatorThread`).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import ClientSession, ClientTimeout, web

T = TypeVar("T")
BOT_ID = 7000000001
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "ЦОП бот",
    "username": "cop_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}

# Methods that put or change a message in a chat: they count against Telegram's limits
# and may be refused for a chat that blocked the bot.
SEND_METHODS = {
    "sendMessage",
    "sendDocument",
    "sendLocation",
    "sendContact",
    "sendPhoto",
    "copyMessage",
    "forwardMessage",
}
EDIT_METHODS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption"}
LIMITED_METHODS = SEND_METHODS | EDIT_METHODS | {"deleteMessage"}
# Fields sent JSON-encoded inside form data.
_JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "allowed_updates",
    "commands",
    "scope",
    "link_preview_options",
    "reply_parameters",
}
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    """An error answer of the Bot API: HTTP status, description, optional parameters."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Fault:
    """One injected failure for a method: what to do instead of (or before) answering.

    kind: "429" (Too Many Requests with retry_after), "5xx" (status 500/502/503…),
    "delay" (answer after `seconds`, past the client's timeout; `deliver` says whether the
    call still takes effect, as with a real slow Telegram), "drop" (close the connection
    without an answer; the call does not take effect).
    """

    kind: str
    status: int = 500
    retry_after: int = 1
    seconds: float = 0.0
    deliver: bool = True
    chat_id: int | None = None


@dataclass
class Event:
    """Something the bot did in a chat: a message sent, edited or deleted."""

    seq: int
    method: str
    chat_id: int
    message_id: int | None
    message: dict[str, Any] | None
    params: dict[str, Any]
    at: float  # time.monotonic() when the emulator accepted it

    @property
    def text(self) -> str:
        if not self.message:
            return ""
        return str(self.message.get("text") or self.message.get("caption") or "")

    def buttons(self) -> list[tuple[str, str | None]]:
        return inline_buttons(self.message)


def inline_buttons(message: dict[str, Any] | None) -> list[tuple[str, str | None]]:
    """(text, callback_data or url) of each inline button, row by row."""
    if not message:
        return []
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [
        (b.get("text", ""), b.get("callback_data") or b.get("url")) for row in rows for b in row
    ]


@dataclass
class ChatState:
    chat: dict[str, Any]
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    blocked: bool = False
    sent_times: deque[float] = field(default_factory=deque)  # group limit window
    bucket: float = 5.0  # private chat flood bucket (see Emulator._check_limits)
    bucket_at: float = 0.0


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _strip_html(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class Emulator:
    """The Bot API state machine and its aiohttp application."""

    def __init__(self, token: str = "123:TEST", *, enforce_limits: bool = False) -> None:
        self.token = token
        self.enforce_limits = enforce_limits
        # Telegram's published limits: ~30 messages a second overall, ~20 a minute per
        # group; private chats tolerate short bursts around 1 a second.
        self.overall_per_second = 30
        self.group_per_minute = 20
        self.private_burst = 5
        self.private_per_second = 1.0
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._updates: list[dict[str, Any]] = []
        self.history: dict[int, dict[str, Any]] = {}
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.chats: dict[int, ChatState] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.events: list[Event] = []
        self.callback_answers: dict[str, dict[str, Any] | None] = {}
        self.files: dict[str, bytes] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.calls: deque[tuple[float, str]] = deque(maxlen=100_000)  # (time, method)
        self.method_counts: dict[str, int] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.fault_log: list[tuple[str, str]] = []  # (method, kind) served
        self.errors_sent: list[tuple[str, int, str]] = []  # (method, status, description)
        self.rate_limited = 0  # 429s answered because of enforced limits
        self.rate_limit_reasons: dict[str, int] = {}
        self.confirmed_offset = 0
        self.allowed_updates: list[str] = []
        self.webhook: dict[str, Any] = {}
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, status)
        self._poll_generation = 0
        self._overall_times: deque[float] = deque()
        self._delivery_task: asyncio.Task[None] | None = None

    # ================================================================================
    # test side: users, chats, updates
    # ================================================================================
    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Мария",
        language: str | None = "bg",
        username: str | None = None,
    ) -> dict[str, Any]:
        """Register (or return) a Telegram user."""
        with self._lock:
            if user_id not in self.users:
                user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
                if language:
                    user["language_code"] = language
                if username:
                    user["username"] = username
                self.users[user_id] = user
            return self.users[user_id]

    def chat(self, chat_id: int, *, title: str = "Екип", kind: str | None = None) -> ChatState:
        """Register (or return) a chat: private for positive ids, a supergroup otherwise."""
        with self._lock:
            if chat_id not in self.chats:
                kind = kind or ("private" if chat_id > 0 else "supergroup")
                chat: dict[str, Any] = {"id": chat_id, "type": kind}
                if kind == "private":
                    user = self.users.get(chat_id) or self.user(chat_id)
                    chat["first_name"] = user["first_name"]
                else:
                    chat["title"] = title
                self.chats[chat_id] = ChatState(chat=chat)
            return self.chats[chat_id]

    def push_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates (or the webhook); returns its update_id."""
        with self._lock:
            update_id = next(self._update_ids)
            update = {"update_id": update_id, kind: payload}
            self.history[update_id] = update
            self._updates.append(update)
            self._notify()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Send an update again, same id and content (as after a crash before confirming)."""
        with self._lock:
            self._updates.append(self.history[update_id])
            self.confirmed_offset = min(self.confirmed_offset, update_id)
            self._notify()

    def user_message(
        self, user_id: int, chat_id: int | None = None, **fields: Any
    ) -> tuple[int, dict[str, Any]]:
        """A user writes in a chat (`text=`, `contact=`…); returns (update_id, message)."""
        with self._lock:
            user = self.user(user_id)
            state = self.chat(chat_id if chat_id is not None else user_id)
            message_id = state.next_message_id
            state.next_message_id += 1
            message: dict[str, Any] = {
                "message_id": message_id,
                "from": user,
                "chat": state.chat,
                "date": int(time.time()),
                **fields,
            }
            text = fields.get("text")
            if isinstance(text, str) and text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
                ]
            state.messages[message_id] = message
            return self.push_update("message", message), message

    def press_button(
        self, user_id: int, chat_id: int, message_id: int, data: str
    ) -> tuple[int, str]:
        """A user presses an inline button; returns (update_id, callback query id)."""
        with self._lock:
            user = self.user(user_id)
            state = self.chat(chat_id)
            message = state.messages.get(message_id) or {
                "message_id": message_id,
                "chat": state.chat,
                "date": 0,
            }
            query_id = f"{user_id}{next(self._query_ids):08d}"
            self.callback_answers[query_id] = None
            query = {
                "id": query_id,
                "from": user,
                "message": json.loads(json.dumps(message)),
                "chat_instance": f"{abs(chat_id) * 7 + 13}",
                "data": data,
            }
            return self.push_update("callback_query", query), query_id

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """The user blocks the bot: every send to this chat answers 403."""
        with self._lock:
            self.chat(chat_id).blocked = blocked

    def fail(self, method: str, kind: str, count: int = 1, **options: Any) -> None:
        """Answer the next `count` calls of `method` with a fault (see `Fault`)."""
        with self._lock:
            self.faults.setdefault(method, []).extend(
                Fault(kind=kind, **options) for _ in range(count)
            )

    def pending_faults(self, method: str | None = None) -> int:
        with self._lock:
            if method:
                return len(self.faults.get(method, []))
            return sum(len(v) for v in self.faults.values())

    # ------------------------------------------------------------------------------
    # test side: reading and waiting
    # ------------------------------------------------------------------------------
    @property
    def seq(self) -> int:
        """The sequence number of the newest bot event (0 when none)."""
        with self._lock:
            return self.events[-1].seq if self.events else 0

    def chat_events(self, chat_id: int, after: int = 0) -> list[Event]:
        with self._lock:
            state = self.chats.get(chat_id)
            return [e for e in state.events if e.seq > after] if state else []

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat as they stand now (edits applied, deletions gone)."""
        with self._lock:
            state = self.chats.get(chat_id)
            if not state:
                return []
            return [
                m
                for _, m in sorted(state.messages.items())
                if m.get("from", {}).get("id") == BOT_ID
            ]

    def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,
        what: str = "condition",
    ) -> Any:
        """Block (in a thread other than the emulator's) until `predicate()` is truthy."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"timed out after {timeout:.1f}s waiting for {what}")
                self._changed.wait(min(left, 0.25))

    async def wait_for_async(
        self, predicate: Callable[[], Any], within: float = 5.0, what: str = "condition"
    ) -> Any:
        """Like `wait_for`, on the emulator's own loop (benches, async tests)."""
        deadline = time.monotonic() + within
        while True:
            with self._lock:
                result = predicate()
                if result:
                    return result
                event = self._ensure_wakeup()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out after {within:.1f}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(left, 0.25))

    def _ensure_wakeup(self) -> asyncio.Event:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        return self._wakeup

    def _notify(self) -> None:
        """Wake sync waiters, long polls and async waiters (caller holds the lock)."""
        self._changed.notify_all()
        loop, event = self._loop, self._wakeup
        if loop is None or event is None:
            return
        self._wakeup = None  # the next waiter takes a fresh event

        def _set() -> None:
            event.set()

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            _set()
        else:
            with contextlib.suppress(RuntimeError):  # loop closed
                loop.call_soon_threadsafe(_set)

    def _record(
        self,
        method: str,
        chat_id: int,
        message: dict[str, Any] | None,
        params: dict[str, Any],
        message_id: int | None = None,
    ) -> Event:
        event = Event(
            seq=next(self._seq),
            method=method,
            chat_id=chat_id,
            message_id=message_id if message_id is not None else (message or {}).get("message_id"),
            message=json.loads(json.dumps(message)) if message is not None else None,
            params=params,
            at=time.monotonic(),
        )
        self.events.append(event)
        self.chat(chat_id).events.append(event)
        self._notify()
        return event

    # ================================================================================
    # HTTP side
    # ================================================================================
    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._handle_file)
        app.router.add_get("/", self._handle_root)
        return app

    async def _handle_root(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": "cop-bot Bot API emulator"})

    async def _handle_file(self, request: web.Request) -> web.Response:
        body = self.files.get(request.match_info["path"])
        if body is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=body)

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.read()
            params = json.loads(body) if body else {}
        elif request.method == "POST" and request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if hasattr(value, "file"):
                    files[key] = value.file.read()
                    params[key] = {"filename": value.filename}
                else:
                    params[key] = value
        for key, value in request.query.items():
            params.setdefault(key, value)
        for key in _JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params, files

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error_response(method, ApiError(401, "Unauthorized"))
        try:
            params, files = await self._params(request)
        except Exception:  # malformed body
            return self._error_response(method, ApiError(400, "Bad Request: can't parse body"))
        with self._lock:
            self.calls.append((time.monotonic(), method))
            self.method_counts[method] = self.method_counts.get(method, 0) + 1
            fault = self._take_fault(method, params)
        if fault is not None:
            response = await self._serve_fault(request, method, params, files, fault)
            if response is not None:
                return response
        try:
            result = await self._dispatch(method, params, files)
        except ApiError as exc:
            return self._error_response(method, exc)
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        queue = self.faults.get(method)
        if not queue:
            return None
        chat_id = _int_or_none(params.get("chat_id"))
        for i, fault in enumerate(queue):
            if fault.chat_id is None or fault.chat_id == chat_id:
                self.fault_log.append((method, fault.kind))
                return queue.pop(i)
        return None

    async def _serve_fault(
        self,
        request: web.Request,
        method: str,
        params: dict[str, Any],
        files: dict[str, bytes],
        fault: Fault,
    ) -> web.StreamResponse | None:
        if fault.kind == "429":
            return self._error_response(
                method,
                ApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    retry_after=fault.retry_after,
                ),
            )
        if fault.kind == "5xx":
            if fault.status == 502:  # Telegram's front answers 502 with an HTML page
                return web.Response(
                    status=502,
                    text="<html><body>502 Bad Gateway</body></html>",
                    content_type="text/html",
                )
            return self._error_response(method, ApiError(fault.status, "Internal Server Error"))
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        if fault.kind == "delay":
            if not fault.deliver:
                await asyncio.sleep(fault.seconds)
                return None
            try:
                result = await self._dispatch(method, params, files)
            except ApiError as exc:
                await asyncio.sleep(fault.seconds)
                return self._error_response(method, exc)
            await asyncio.sleep(fault.seconds)
            return web.json_response({"ok": True, "result": result})
        raise ValueError(f"unknown fault kind {fault.kind!r}")

    def _error_response(self, method: str, exc: ApiError) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": exc.status,
            "description": exc.description,
        }
        if exc.parameters:
            body["parameters"] = exc.parameters
        with self._lock:
            self.errors_sent.append((method, exc.status, exc.description))
        return web.json_response(body, status=exc.status)

    async def _dispatch(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            raise ApiError(400, f"Bad Request: method {method} is not supported by the emulator")
        with self._lock:
            if method in LIMITED_METHODS:
                chat_id = _int_or_none(params.get("chat_id"))
                if chat_id is not None:
                    self._check_chat(chat_id)
                    self._check_limits(chat_id, method)
            return handler(params, files)

    # --- limits -----------------------------------------------------------------------
    def _check_chat(self, chat_id: int) -> None:
        state = self.chats.get(chat_id)
        if state is None:
            raise ApiError(400, "Bad Request: chat not found")
        if state.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _check_limits(self, chat_id: int, method: str = "sendMessage") -> None:
        """Telegram's flood control as we model it: at most 30 messages in any second
        overall, 20 in any minute per group, and per private chat a bucket of
        `private_burst` messages refilled at `private_per_second`."""
        if not self.enforce_limits:
            return
        now = time.monotonic()
        overall = self._overall_times
        while overall and now - overall[0] >= 1.0:
            overall.popleft()
        state = self.chats[chat_id]
        reason = None
        if len(overall) >= self.overall_per_second:
            reason = "overall"
        elif chat_id < 0:
            mine = state.sent_times
            while mine and now - mine[0] >= 60.0:
                mine.popleft()
            if len(mine) >= self.group_per_minute:
                reason = "group"
        else:
            elapsed = now - state.bucket_at
            state.bucket = min(
                float(self.private_burst), state.bucket + elapsed * self.private_per_second
            )
            state.bucket_at = now
            if state.bucket < 1.0:
                reason = "private chat"
        if reason is not None:
            self.rate_limited += 1
            key = f"{reason} ({method})"
            self.rate_limit_reasons[key] = self.rate_limit_reasons.get(key, 0) + 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        overall.append(now)
        if chat_id < 0:
            state.sent_times.append(now)
        else:
            state.bucket -= 1.0

    # --- getUpdates and webhooks ---------------------------------------------------------
    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self.confirmed_offset = max(self.confirmed_offset, offset)
        self._updates = [u for u in self._updates if u["update_id"] >= self.confirmed_offset]

    def _ready_updates(self, limit: int) -> list[dict[str, Any]]:
        allowed = set(self.allowed_updates or ())
        if allowed:
            self._updates = [u for u in self._updates if allowed & (u.keys() - {"update_id"})]
        return [json.loads(json.dumps(u)) for u in self._updates[:limit]]

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, min(50.0, float(params.get("timeout") or 0)))
        deadline = time.monotonic() + timeout
        with self._lock:
            if self.webhook.get("url"):
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; "
                    "use deleteWebhook to delete the webhook first",
                )
            if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
                self.allowed_updates = list(params["allowed_updates"])
            self._poll_generation += 1
            generation = self._poll_generation
            self._confirm(offset)
        while True:
            with self._lock:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                ready = self._ready_updates(limit)
                if ready or time.monotonic() >= deadline:
                    return ready
                event = self._ensure_wakeup()
            left = deadline - time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), max(0.0, min(left, 1.0)))

    def _m_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        url = str(params.get("url") or "")
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "localhost")
        if url and not (parts.scheme == "https" or (parts.scheme == "http" and local)):
            raise ApiError(400, "Bad Request: bad webhook: Webhook can be set up only on HTTPS")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        if "allowed_updates" in params and isinstance(params["allowed_updates"], list):
            self.allowed_updates = list(params["allowed_updates"])
        self.webhook = {"url": url, "secret_token": secret} if url else {}
        self._notify()
        return True

    def _m_deleteWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        if params.get("drop_pending_updates") in (True, "true", "True"):
            self._updates.clear()
        self.webhook = {}
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        return info

    async def _deliver_webhooks(self) -> None:
        """POST queued updates to a webhook on 127.0.0.1, in order, retrying failures."""
        async with ClientSession(timeout=ClientTimeout(total=10)) as session:
            backoff = 0.05
            while True:
                with self._lock:
                    url = self.webhook.get("url")
                    secret = self.webhook.get("secret_token")
                    pending = self._ready_updates(1) if url else []
                    event = self._ensure_wakeup()
                host = urlsplit(url).hostname if url else None
                if not pending or host not in ("127.0.0.1", "localhost"):
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), 1.0)
                    continue
                update = pending[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                try:
                    async with session.post(str(url), json=update, headers=headers) as resp:
                        status = resp.status
                except Exception:
                    status = 0
                with self._lock:
                    self.webhook_deliveries.append((update["update_id"], status))
                    if 200 <= status < 300:
                        self._confirm(update["update_id"] + 1)
                        backoff = 0.05
                        continue
                await asyncio.sleep(backoff)
                backoff = min(2.0, backoff * 2)

    # --- messages ----------------------------------------------------------------------
    def _new_bot_message(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        state = self.chat(chat_id)
        message_id = state.next_message_id
        state.next_message_id += 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": BOT_USER,
            "chat": state.chat,
            "date": int(time.time()),
        }
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            self._check_markup(markup)
            if "inline_keyboard" in markup:
                message["reply_markup"] = markup
            elif "keyboard" in markup:
                state.reply_keyboard = [
                    [b if isinstance(b, str) else b.get("text", "") for b in row]
                    for row in markup["keyboard"]
                ]
            elif markup.get("remove_keyboard"):
                state.reply_keyboard = None
        if params.get("reply_to_message_id") or params.get("reply_parameters"):
            ref = params.get("reply_parameters") or {}
            ref_id = _int_or_none(params.get("reply_to_message_id") or ref.get("message_id"))
            if ref_id in state.messages:
                message["reply_to_message"] = state.messages[ref_id]
        return message

    def _check_markup(self, markup: dict[str, Any]) -> None:
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _text(self, params: dict[str, Any], key: str = "text", limit: int = 4096) -> str:
        text = str(params.get(key) or "")
        if str(params.get("parse_mode") or "").upper() == "HTML":
            text = _strip_html(text)
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > limit:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _store(
        self, method: str, chat_id: int, message: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        self.chats[chat_id].messages[message["message_id"]] = message
        self._record(method, chat_id, message, params)
        return message

    def _m_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        text = self._text(params)
        message = self._new_bot_message(chat_id, params)
        message["text"] = text
        return self._store("sendMessage", chat_id, message, params)

    def _m_sendDocument(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        document = params.get("document")
        content: bytes | None = None
        name = "document"
        if isinstance(document, str) and document.startswith("attach://"):
            content = files.get(document[len("attach://") :])
        elif "document" in files:
            content = files["document"]
            if isinstance(document, dict):
                name = str(document.get("filename") or name)
        if content is None and not isinstance(document, str):
            raise ApiError(400, "Bad Request: there is no document in the request")
        message = self._new_bot_message(chat_id, params)
        file_id = f"BQAC{next(self._file_ids):06d}"
        if content is not None:
            self.files[file_id] = content
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{file_id}",
            "file_name": name,
            "file_size": len(content or b""),
        }
        if params.get("caption"):
            message["caption"] = self._text(params, "caption", 1024)
        return self._store("sendDocument", chat_id, message, params)

    def _m_sendLocation(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        try:
            location = {
                "latitude": float(params["latitude"]),
                "longitude": float(params["longitude"]),
            }
        except (KeyError, ValueError) as exc:
            raise ApiError(400, "Bad Request: wrong latitude or longitude") from exc
        message = self._new_bot_message(chat_id, params)
        message["location"] = location
        return self._store("sendLocation", chat_id, message, params)

    def _m_sendContact(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        message = self._new_bot_message(chat_id, params)
        message["contact"] = {
            "phone_number": str(params.get("phone_number") or ""),
            "first_name": str(params.get("first_name") or ""),
        }
        return self._store("sendContact", chat_id, message, params)

    def _editable(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if params.get("inline_message_id"):
            return None
        chat_id = _require_chat(params)
        message_id = _int_or_none(params.get("message_id"))
        state = self.chats[chat_id]
        message = state.messages.get(message_id) if message_id is not None else None
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != BOT_ID:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat_id, message

    def _m_editMessageText(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        found = self._editable(params)
        if found is None:
            return True
        chat_id, message = found
        text = self._text(params)
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            self._check_markup(markup)
        new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if message.get("text") == text and message.get("reply_markup") == new_markup:
            raise ApiError(400, NOT_MODIFIED)
        edited = dict(message, text=text, edit_date=int(time.time()))
        edited.pop("reply_markup", None)
        if new_markup:
            edited["reply_markup"] = new_markup
        return self._store("editMessageText", chat_id, edited, params)

    def _m_editMessageCaption(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        found = self._editable(params)
        if found is None:
            return True
        chat_id, message = found
        edited = dict(
            message, caption=self._text(params, "caption", 1024), edit_date=int(time.time())
        )
        return self._store("editMessageCaption", chat_id, edited, params)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        found = self._editable(params)
        if found is None:
            return True
        chat_id, message = found
        markup = params.get("reply_markup")
        if isinstance(markup, dict):
            self._check_markup(markup)
        new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if message.get("reply_markup") == new_markup:
            raise ApiError(400, NOT_MODIFIED)
        edited = dict(message, edit_date=int(time.time()))
        edited.pop("reply_markup", None)
        if new_markup:
            edited["reply_markup"] = new_markup
        return self._store("editMessageReplyMarkup", chat_id, edited, params)

    def _m_deleteMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        chat_id = _require_chat(params)
        message_id = _int_or_none(params.get("message_id"))
        state = self.chats[chat_id]
        if message_id is None or state.messages.pop(message_id, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._record("deleteMessage", chat_id, None, params, message_id=message_id)
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.callback_answers or self.callback_answers[query_id] is not None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is "
                "invalid",
            )
        self.callback_answers[query_id] = params
        self._notify()
        return True

    def _m_sendChatAction(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        chat_id = _require_chat(params)
        self._check_chat(chat_id)
        return True

    def _m_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return BOT_USER

    def _m_logOut(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        return True

    def _m_close(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        return True

    def _scope_key(self, params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)

    def _m_setMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(params)] = commands
        return True

    def _m_getMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.commands.get(self._scope_key(params), [])

    def _m_deleteMyCommands(self, params: dict[str, Any], files: dict[str, bytes]) -> bool:
        self.commands.pop(self._scope_key(params), None)
        return True

    def _m_getChat(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat_id = _require_chat(params)
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        chat = dict(self.chats[chat_id].chat)
        chat.setdefault("accent_color_id", 0)
        chat.setdefault("max_reaction_count", 11)
        return chat

    # ================================================================================
    # running
    # ================================================================================
    async def start(self, port: int = 0, host: str = "127.0.0.1") -> int:
        """Serve on the running loop; returns the port (a free one when `port` is 0)."""
        self._loop = asyncio.get_running_loop()
        self._runner = web.AppRunner(self.make_app(), handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        self._delivery_task = asyncio.create_task(self._deliver_webhooks())
        return self.port

    async def stop(self) -> None:
        if self._delivery_task is not None:
            self._delivery_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery_task
        await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What the bot gets as TELEGRAM_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _require_chat(params: dict[str, Any]) -> int:
    chat_id = _int_or_none(params.get("chat_id"))
    if chat_id is None:
        raise ApiError(400, "Bad Request: chat_id is empty")
    return chat_id


class EmulatorThread:
    """Run an `Emulator` on its own loop in a daemon thread (for sync tests)."""

    def __init__(self, emulator: Emulator | None = None, port: int = 0) -> None:
        self.emulator = emulator or Emulator()
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> Emulator:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self.emulator.start(self._port), self._loop)
        future.result(timeout=10)
        return self.emulator

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the emulator's loop (users that live there) and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __exit__(self, *exc: object) -> None:
        future = asyncio.run_coroutine_threadsafe(self.emulator.stop(), self._loop)
        with contextlib.suppress(Exception):
            future.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


def texts(events: Iterable[Event]) -> list[str]:
    return [e.text for e in events]
