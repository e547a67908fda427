"""A local server speaking WeChat's API: the access token, media downloads (sent in pieces), customer-service and
template messages, the menu, answering errors with errcode JSON as WeChat does (40001 invalid token, 45015 out of the 48 h
window)."""
from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.pieces import in_pieces
from tests.support.serving import serving


@dataclass
class WechatApiServer:
    """`media` (media_id → bytes) is served by media/get; `out_of_window` users get 45015 on customer-service messages;
    `revoke()` makes the current token invalid (40001); `hold_media` and `hold_token` keep downloads and token requests waiting until they are set."""

    app_id: str
    app_secret: str
    port: int = 0
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    out_of_window: set[str] = field(default_factory=set)
    valid_tokens: set[str] = field(default_factory=set)
    hold_media: asyncio.Event | None = None
    hold_token: asyncio.Event | None = None
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def revoke(self) -> None:
        self.valid_tokens.clear()

    def sent(self, kind: str, openid: str | None = None) -> list[dict[str, Any]]:
        """Bodies of the messages of `kind` (custom or template) that WeChat accepted, in order."""
        return [body for name, body in self.calls if name == kind and body.get("accepted") and (openid is None or body["touser"] == openid)]

    def texts(self, openid: str) -> list[str]:
        """Customer-service texts and menu questions the user received."""
        return [b["text"]["content"] if b["msgtype"] == "text" else b["msgmenu"]["head_content"] for b in self.sent("custom", openid)]

    def tokens_issued(self) -> int:
        return sum(1 for name, _ in self.calls if name == "token")

    async def token(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("grant_type") != "client_credential" or query.get("appid") != self.app_id or query.get("secret") != self.app_secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        if self.hold_token is not None:
            await self.hold_token.wait()
        token = f"ACCESS_TOKEN_{next(self._serial)}"
        self.valid_tokens.add(token)
        self.calls.append(("token", {"token": token}))
        return web.json_response({"access_token": token, "expires_in": 7200})

    def refused_token(self, request: web.Request) -> web.Response | None:
        if request.query.get("access_token") not in self.valid_tokens:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
        return None

    async def media_get(self, request: web.Request) -> web.StreamResponse:
        self.calls.append(("media", dict(request.query)))
        refused = self.refused_token(request)
        if refused is not None:
            return refused
        if self.hold_media is not None:
            await self.hold_media.wait()
        data = self.media.get(request.query.get("media_id", ""))
        if data is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        return await in_pieces(request, data, "image/jpeg")

    async def send(self, request: web.Request, kind: str) -> web.Response:
        body = json.loads(await request.read())
        self.calls.append((kind, body))
        refused = self.refused_token(request)
        if refused is not None:
            return refused
        if kind == "custom" and body.get("touser") in self.out_of_window:
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"})
        body["accepted"] = True
        answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}
        if kind == "template":
            answer["msgid"] = next(self._serial)
        return web.json_response(answer)


    async def custom(self, request: web.Request) -> web.Response:
        return await self.send(request, "custom")

    async def template(self, request: web.Request) -> web.Response:
        return await self.send(request, "template")

    async def menu_create(self, request: web.Request) -> web.Response:
        return await self.send(request, "menu")


@asynccontextmanager
async def running_wechat_api(app_id: str, app_secret: str) -> AsyncIterator[WechatApiServer]:
    server = WechatApiServer(app_id, app_secret)
    app = web.Application()
    app.router.add_get("/cgi-bin/token", server.token)
    app.router.add_get("/cgi-bin/media/get", server.media_get)
    app.router.add_post("/cgi-bin/message/custom/send", server.custom)
    app.router.add_post("/cgi-bin/message/template/send", server.template)
    app.router.add_post("/cgi-bin/menu/create", server.menu_create)
    async with serving(app) as server.port:
        yield server
