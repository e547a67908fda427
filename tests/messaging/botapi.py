"""A local server speaking the Telegram Bot API: records every call and answers as Telegram does.

Files are downloaded the way real servers send them: in 16 KB pieces with a pause between them."""
from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.pieces import in_pieces
from tests.support.serving import serving

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "城管上报", "username": "city_report_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class BotApiServer:
    """Files put in `files` (file_id → bytes) are served by getFile and the download URL; `failing` refuses sendMessage;
    `sizes_untold` leaves file_size out of getFile; `downloads_finished` counts downloads sent to their last byte."""

    token: str
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    failing: bool = False
    sizes_untold: bool = False
    downloads_finished: int = 0
    next_message_id: int = 1000

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def called(self, method: str, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)]

    def texts(self, chat_id: int) -> list[str]:
        """What the chat saw from the bot, in order: sent messages and edits."""
        return [c.params["text"] for c in self.calls if c.method in ("sendMessage", "editMessageText") and int(c.params.get("chat_id", 0)) == chat_id]

    def last_keyboard_message(self, chat_id: int) -> dict[str, Any]:
        """The last message with inline buttons sent to the chat, as Telegram holds it."""
        for call in reversed(self.calls):
            if call.method == "sendMessage" and int(call.params["chat_id"]) == chat_id and "reply_markup" in call.params:
                return self.message(call.params, call.params["_message_id"])
        raise AssertionError(f"no keyboard was sent to chat {chat_id}")

    async def method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        params = await _params(request)
        name = request.match_info["method"]
        self.calls.append(Call(name, params))
        if self.failing and name == "sendMessage":
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 5"}, status=429)
        return web.json_response({"ok": True, "result": self.result(name, params)})

    def result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "sendMessage":
            self.next_message_id += 1
            params["_message_id"] = self.next_message_id
            return self.message(params, self.next_message_id)
        if name == "editMessageText":
            return self.message(params, int(params["message_id"]))
        if name == "getFile":
            data = self.files[params["file_id"]]
            size = {} if self.sizes_untold else {"file_size": len(data)}
            return {"file_id": params["file_id"], "file_unique_id": "u" + params["file_id"], **size, "file_path": f"photos/{params['file_id']}.jpg"}
        if name in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            return True
        raise web.HTTPNotFound(text=f"method {name} is not spoken by this test server")

    @staticmethod
    def message(params: dict[str, Any], message_id: int) -> dict[str, Any]:
        body = {"message_id": message_id, "from": BOT_USER, "chat": {"id": int(params["chat_id"]), "type": "private"},
                "date": int(time.time()), "text": params["text"]}
        if "reply_markup" in params:
            body["reply_markup"] = params["reply_markup"]
        return body

    async def download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            raise web.HTTPUnauthorized()
        file_id = request.match_info["path"].removeprefix("photos/").removesuffix(".jpg")
        self.calls.append(Call("download", {"file_id": file_id}))
        response = await in_pieces(request, self.files[file_id], "image/jpeg", declare_length=not self.sizes_untold)
        self.downloads_finished += 1
        return response


async def _params(request: web.Request) -> dict[str, Any]:
    """Parameters sent as JSON, form or query; nested values (reply_markup) arrive JSON-encoded in forms."""
    if request.content_type == "application/json":
        return dict(await request.json())
    params: dict[str, Any] = dict(request.query) | dict(await request.post())
    for key, value in params.items():
        if isinstance(value, str) and value[:1] in "[{":
            params[key] = json.loads(value)
    return params


@asynccontextmanager
async def running_bot_api(token: str) -> AsyncIterator[BotApiServer]:
    server = BotApiServer(token)
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", server.method)
    app.router.add_get("/file/bot{token}/{path:.+}", server.download)
    async with serving(app) as server.port:
        yield server
