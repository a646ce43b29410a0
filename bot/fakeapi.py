"""An offline Bot API: answers PTB's requests in-process and records them.

Used by the console chat (`cop-bot console`) and by the tests, so both drive the real
Application with no token and no network. Faults can be queued per method.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import RequestData

from bot.transport import EchoTrimmingRequest

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "ЦОП бот",
    "username": "cop_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

_MESSAGE_METHODS = {
    "sendMessage",
    "sendDocument",
    "sendLocation",
    "sendContact",
    "sendPhoto",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "forwardMessage",
    "copyMessage",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    result: Any = None

    @property
    def message_id(self) -> int | None:
        """The id of the message this call sent or edited."""
        if isinstance(self.result, dict) and "message_id" in self.result:
            return int(self.result["message_id"])
        value = self.params.get("message_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None and str(value).lstrip("-").isdigit() else None

    def buttons(self) -> list[tuple[str, str | None]]:
        """(text, callback_data or None) of every button, row by row."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if not markup:
            return []
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        out: list[tuple[str, str | None]] = []
        for row in rows:
            for button in row:
                if isinstance(button, str):
                    out.append((button, None))
                else:
                    out.append((button.get("text", ""), button.get("callback_data")))
        return out


class Fault(Exception):
    """Queued answer for a method: an HTTP status with a Bot API error body."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


class FakeBotAPI(EchoTrimmingRequest):
    """Records `(method, params)` and answers with Bot API shaped results.

    Answers go through `EchoTrimmingRequest` as the production transport's do.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._next_message_id = 1000
        self._faults: dict[str, list[Fault | BaseException]] = {}
        self.listeners: list[Callable[[Call], None]] = []

    # --- BaseRequest ---------------------------------------------------------------------
    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        files: dict[str, tuple[str, bytes]] = {}
        if request_data and request_data.contains_files:
            for name, value in request_data.multipart_data.items():
                if isinstance(value, tuple):
                    content = value[1]
                    files[name] = (
                        str(value[0]),
                        content if isinstance(content, bytes) else content.read(),
                    )
        queued = self._faults.get(api_method)
        if queued:
            fault = queued.pop(0)
            if isinstance(fault, Fault):
                body: dict[str, Any] = {
                    "ok": False,
                    "error_code": fault.status,
                    "description": fault.description,
                }
                if fault.retry_after is not None:
                    body["parameters"] = {"retry_after": fault.retry_after}
                return fault.status, json.dumps(body).encode()
            raise fault
        call = Call(api_method, params, files)
        call.result = self._result_for(api_method, params)
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        result = call.result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- test helpers --------------------------------------------------------------------
    def fail(self, method: str, *faults: Fault | BaseException) -> None:
        """Answer the next calls of `method` with these faults, in order."""
        self._faults.setdefault(method, []).extend(faults)

    def sent(self, method: str | None = None, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if (method is None or c.method == method) and (chat_id is None or c.chat_id == chat_id)
        ]

    def clear(self) -> None:
        self.calls.clear()

    # --- answers -------------------------------------------------------------------------
    def _result_for(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "getUpdates":
            return []
        if method in _MESSAGE_METHODS:
            return self._message(method, params)
        if method == "getChat":
            return {"id": int(params.get("chat_id", 0)), "type": "private"}
        return True

    def _message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if method.startswith("edit") and params.get("message_id") is not None:
            message_id = int(params["message_id"])
        else:
            self._next_message_id += 1
            message_id = self._next_message_id
        chat_value = int(str(chat_id)) if str(chat_id).lstrip("-").isdigit() else 0
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_value, "type": "private" if chat_value > 0 else "group"},
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        if "caption" in params:
            message["caption"] = params["caption"]
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        if method == "sendDocument":
            message["document"] = {
                "file_id": f"doc{message_id}",
                "file_unique_id": f"u{message_id}",
            }
        if method == "sendLocation":
            message["location"] = {
                "latitude": params.get("latitude", 0),
                "longitude": params.get("longitude", 0),
            }
        return message
