"""The HTTP client under PTB: aiohttp instead of PTB's default httpx.

Measured on the development VM against a local server, one Bot API call costs the bot
1.3–2.1 ms of CPU through httpx (its pool walks every connection on each request) and
0.35–0.5 ms through aiohttp. Under a busy day that was a third of the bot's CPU. The
contract is PTB's `BaseRequest`: status and body back, `TimedOut` for a timeout (the
request may have reached Telegram), `NetworkError` for anything else on the wire.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

JSONDict = dict[str, Any]


def drop_echoed_keyboards(answer: object) -> None:
    """Remove, in place, the keyboards of our own messages from a Bot API answer.

    Telegram answers every sendMessage and editMessageText with the whole message, our own
    keyboard included, and a button press arrives with the keyboard of the message it sits
    on. PTB would turn each button into an object (a six-button keyboard costs more than the
    rest of the message); nothing reads them: the bot knows what it sent, and a press is
    routed by its callback data alone. Other messages (a parent's own) are left whole.
    """
    if not isinstance(answer, dict):
        return
    result = answer.get("result")
    if isinstance(result, dict) and "message_id" in result and "chat" in result:
        result.pop("reply_markup", None)  # a message we sent or edited
    elif isinstance(result, list):  # getUpdates
        for update in result:
            query = update.get("callback_query") if isinstance(update, dict) else None
            message = query.get("message") if isinstance(query, dict) else None
            if isinstance(message, dict):
                message.pop("reply_markup", None)


class EchoTrimmingRequest(BaseRequest):
    """A `BaseRequest` whose answers lose the keyboards Telegram echoes back.

    Done in `parse_json_payload`, PTB's documented hook for reading the answer, before PTB
    builds its objects. The bot's transports (`AiohttpRequest`, the offline
    `bot.fakeapi.FakeBotAPI`) derive from it.
    """

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        answer = BaseRequest.parse_json_payload(payload)
        drop_echoed_keyboards(answer)
        return answer


class AiohttpRequest(EchoTrimmingRequest):
    """PTB's request interface over one `aiohttp.ClientSession` with a bounded pool."""

    def __init__(
        self,
        *,
        connection_pool_size: int = 8,
        connect_timeout: float | None = 5.0,
        read_timeout: float | None = 10.0,
        pool_timeout: float | None = 15.0,
        proxy: str | None = None,
    ) -> None:
        self._proxy = proxy or None
        self._pool_size = connection_pool_size
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._users = 0  # PTB may hand one instance to both the bot and getUpdates

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self._users += 1
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # Telegram's answers are JSON; cookies play no part here.
                cookie_jar=aiohttp.DummyCookieJar(),
                # Municipal networks often reach the Internet only through a proxy:
                # HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured (PROXY_URL wins).
                trust_env=True,
            )

    async def shutdown(self) -> None:
        self._users = max(0, self._users - 1)
        if self._users == 0 and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def _timeout(self, read: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        """PTB's four timeouts in aiohttp's terms (it has no write timeout of its own)."""

        def pick(value: Any, default: float | None) -> float | None:
            # PTB's documented test for "not given": `is BaseRequest.DEFAULT_NONE`.
            return default if value is BaseRequest.DEFAULT_NONE else value

        read = pick(read, self._read_timeout)
        connect = pick(connect, self._connect_timeout)
        pool = pick(pool, self._pool_timeout)
        # aiohttp's `connect` covers waiting for a free connection and then connecting.
        wait = None if pool is None or connect is None else pool + connect
        return aiohttp.ClientTimeout(
            total=None, connect=wait, sock_connect=connect, sock_read=read
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        timeout = self._timeout(read_timeout, connect_timeout, pool_timeout)
        body, headers = _body(request_data)
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=self._proxy
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's are subclasses
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class only: some aiohttp messages quote the URL, and the URL holds the token.
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc


_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
    """Form fields as PTB's httpx request sends them; multipart when there are files.

    A plain form is encoded here: handed a dict, aiohttp builds a multipart writer (and a
    random boundary) for every request only to throw it away.
    """
    if request_data is None:
        return None, None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return urlencode(fields).encode(), _FORM
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form, None
