"""A local fake of the Telegram Bot API, speaking its real JSON over HTTP (aiohttp).

The real PTB ``Application`` talks to it through ``base_url``, so a test exercises PTB's request
encoding, multipart uploads, long polling and error parsing, not a mock of our own code. Tests
queue users' messages as updates, read back what the bot sent, and plan failures (a 429 with
``retry_after``, a 403 for a user who blocked the bot) for the next calls of a method.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Form fields PTB sends JSON-encoded; the rest (text, captions, ids) arrive as plain strings.
_JSON_FIELDS = frozenset({"commands", "allowed_updates", "entities", "reply_markup"})
BOT_USER = {"id": 777, "is_bot": True, "first_name": "runcoach", "username": "runcoach_bot"}


@dataclass
class Sent:
    """One call the bot made that put something in a chat."""

    method: str
    chat_id: int
    text: str = ""  # the message text, or a file's caption
    filename: str = ""
    data: bytes = b""
    action: str = ""
    buttons: list[list[dict[str, str]]] | None = None  # an inline keyboard, row by row


@dataclass
class Failure:
    status: int
    description: str
    parameters: dict[str, Any] | None = None


@dataclass
class FakeBotApi:
    token: str
    base_url: str = ""  # set once the server listens
    sent: list[Sent] = field(default_factory=list)
    commands: list[dict[str, str]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)  # what setWebhook was last given
    calls: list[str] = field(default_factory=list)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[tuple[str, int], list[Failure]] = field(default_factory=dict)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _closing: bool = False

    # ---- what tests do ------------------------------------------------------------------------

    async def user_says(self, user_id: int, text: str, name: str = "Runner") -> None:
        """A private message from a user, queued for the bot's next getUpdates."""
        async with self._changed:
            self._updates.append(self.message_update(user_id, text, name))
            self._changed.notify_all()

    def message_update(self, user_id: int, text: str, name: str = "Runner") -> dict[str, Any]:
        """A private message as Telegram delivers it (commands carry an entity); in webhook
        mode a test posts it to the bot itself."""
        user = {"id": user_id, "is_bot": False, "first_name": name}
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": name},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._ids), "message": message}

    async def user_presses(self, user_id: int, data: str, name: str = "Runner") -> None:
        """A tap on an inline keyboard button in the user's private chat."""
        user = {"id": user_id, "is_bot": False, "first_name": name}
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": name},
            "from": BOT_USER,
            "text": "(the message with the buttons)",
        }
        query = {
            "id": str(next(self._ids)),
            "from": user,
            "chat_instance": str(user_id),
            "message": message,
            "data": data,
        }
        async with self._changed:
            self._updates.append({"update_id": next(self._ids), "callback_query": query})
            self._changed.notify_all()

    def fail_next(self, method: str, chat_id: int, *failures: Failure) -> None:
        """The next calls of ``method`` for this chat fail with these errors, in order."""
        self._failures.setdefault((method, chat_id), []).extend(failures)

    def to(self, chat_id: int, method: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id and method in (None, s.method)]

    async def close(self) -> None:
        """End pending long polls now, so the server can shut down without waiting them out."""
        async with self._changed:
            self._closing = True
            self._changed.notify_all()

    async def wait_for(self, done: Callable[[], bool], timeout: float = 10) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(done)

    # ---- the HTTP side ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(f"/bot{self.token}/{{method}}", self._dispatch)
        return app

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        async with self._changed:
            self.calls.append(method)
            self._changed.notify_all()
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(Failure(404, "Not Found: method not found"))
        chat_id = int(params.get("chat_id", 0))
        planned = self._failures.get((method, chat_id))
        if planned:
            return _error(planned.pop(0))
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    async def _getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands = params["commands"]
        return True

    async def _deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    async def _setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    async def _getUpdates(self, params: dict[str, Any]) -> Any:
        """Long polling: wait up to ``timeout`` seconds for an update at or after ``offset``."""
        offset = int(params.get("offset", 0))
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        try:
            async with asyncio.timeout(float(params.get("timeout", 0))), self._changed:
                await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
        except TimeoutError:
            pass
        return list(self._updates)

    async def _sendChatAction(self, params: dict[str, Any]) -> Any:
        await self._record(Sent("sendChatAction", int(params["chat_id"]), action=params["action"]))
        return True

    async def _sendMessage(self, params: dict[str, Any]) -> Any:
        keyboard = (params.get("reply_markup") or {}).get("inline_keyboard")
        sent = Sent("sendMessage", int(params["chat_id"]), text=params["text"], buttons=keyboard)
        return await self._message(sent, {"text": sent.text})

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        async with self._changed:
            self.calls.append(f"answered {params['callback_query_id']}")
            self._changed.notify_all()
        return True

    async def _editMessageText(self, params: dict[str, Any]) -> Any:
        sent = Sent("editMessageText", int(params["chat_id"]), text=params["text"])
        return await self._message(sent, {"text": sent.text})

    async def _sendDocument(self, params: dict[str, Any]) -> Any:
        name, data = params["document"]
        sent = Sent("sendDocument", int(params["chat_id"]), params.get("caption", ""), name, data)
        document = {"file_id": f"doc{len(self.sent)}", "file_unique_id": "d", "file_name": name}
        return await self._message(sent, {"document": document, "caption": sent.text})

    async def _sendPhoto(self, params: dict[str, Any]) -> Any:
        name, data = params["photo"]
        sent = Sent("sendPhoto", int(params["chat_id"]), params.get("caption", ""), name, data)
        size = {"file_id": f"photo{len(self.sent)}", "file_unique_id": "p", "width": 1, "height": 1}
        return await self._message(sent, {"photo": [size], "caption": sent.text})

    async def _message(self, sent: Sent, content: dict[str, Any]) -> dict[str, Any]:
        await self._record(sent)
        chat = {"id": sent.chat_id, "type": "private"}
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            **content,
        }

    async def _record(self, sent: Sent) -> None:
        async with self._changed:
            self.sent.append(sent)
            self._changed.notify_all()


async def _params(request: web.Request) -> dict[str, Any]:
    """PTB posts form fields whose values are JSON, and files as multipart parts."""
    if request.content_type == "application/json":
        return await request.json()
    params: dict[str, Any] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            params[name] = (value.filename, value.file.read())
        else:
            params[name] = json.loads(value) if name in _JSON_FIELDS else value
    return params


def _error(failure: Failure) -> web.Response:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": failure.status,
        "description": failure.description,
    }
    if failure.parameters:
        body["parameters"] = failure.parameters
    return web.json_response(body, status=failure.status)
