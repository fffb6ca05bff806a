"""PTB's HTTP transport on aiohttp instead of httpx.

Under load the bot's event loop spent most of its time inside httpx sending replies (issue 15:
300 runners at once, 500 replies). httpcore re-checks every pooled connection with a system
call at each request's start and end, and scans every queued request against every
connection, so a burst of replies costs the loop quadratic work, and in a process whose threads
(storage, retrieval, drafting) want the GIL each of those system calls is a chance to lose it.
aiohttp hands out pooled connections without either, and the process already runs it for
discord.py and the webhook server. PTB documents ``BaseRequest`` as the place to plug in
another HTTP library; this is that, with HTTPXRequest's timeouts and error mapping.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# HTTPXRequest's defaults, so the switch changes nothing an operator configured or relied on.
CONNECTIONS = 256
READ_TIMEOUT_S = 5.0
WRITE_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 5.0
POOL_TIMEOUT_S = 1.0
MEDIA_WRITE_TIMEOUT_S = 20.0

log = logging.getLogger(__name__)


class AiohttpRequest(BaseRequest):
    """One aiohttp session, opened by ``initialize`` on the running loop."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return READ_TIMEOUT_S

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=CONNECTIONS)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        data = _body(request_data, files)
        read = _given(read_timeout, READ_TIMEOUT_S)
        # aiohttp has no write timeout: the whole request gets the time its parts would have.
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT_S if files else WRITE_TIMEOUT_S)
        connect = _given(connect_timeout, CONNECT_TIMEOUT_S)
        pool = _given(pool_timeout, POOL_TIMEOUT_S)
        parts = (read, write, connect, pool)
        timeout = aiohttp.ClientTimeout(
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if connect is None or pool is None else connect + pool,
            sock_read=read,
        )
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as res:
                # The URL holds the token: log_redaction masks it in every record.
                log.debug("%s %s: HTTP %d", method, url, res.status)
                return res.status, await res.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            # Like HTTPXRequest: the library's class in the message, which may be empty alone.
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err


def _given(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None, files: dict[str, Any] | None) -> Any:
    """Form fields as PTB encodes them (JSON-encoded values), multipart when there are files."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not files:
        return aiohttp.FormData(fields) if fields else None
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, part in files.items():
        # PTB's parts are (filename, content, mimetype), or content alone for attach:// parts.
        if isinstance(part, tuple):
            filename, content, mimetype = part
            form.add_field(name, content, filename=filename, content_type=mimetype)
        else:
            form.add_field(name, part)
    return form
