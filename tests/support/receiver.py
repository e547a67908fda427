"""A local supervision platform: receives signed case webhooks the way a compliant receiver must."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from gateway.signing import SignatureError, verify
from tests.support.serving import serving


@dataclass
class Received:
    delivery_id: str
    event: str
    body: bytes
    signature_ok: bool

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every request; `script` gives status codes to answer in turn (then 200); `hang` stalls requests; counts those at once."""

    secret: str
    port: int = 0
    received: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    hang: asyncio.Event | None = None
    in_flight: int = 0  # requests being answered now
    peak: int = 0  # the most ever answered at once

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cases"

    async def handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            return await self._answer(request)
        finally:
            self.in_flight -= 1

    async def _answer(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify(self.secret, body, request.headers.get("X-Gateway-Signature"), tolerance=300)
            ok = True
        except SignatureError:
            ok = False
        self.received.append(Received(request.headers.get("X-Gateway-Delivery", ""), request.headers.get("X-Gateway-Event", ""), body, ok))
        if self.hang is not None:
            await self.hang.wait()
        if not ok:
            return web.json_response({"error": "bad signature"}, status=401)
        status = self.script.pop(0) if self.script else 200
        return web.json_response({"status": status}, status=status)

    def accepted(self) -> dict[str, Received]:
        """Deliveries answered with success, by delivery id (a receiver dedups on that id)."""
        return {r.delivery_id: r for r in self.received if r.signature_ok}

    def case_numbers(self) -> set[str]:
        return {r.payload["case_number"] for r in self.received if r.signature_ok}


@asynccontextmanager
async def running_receiver(secret: str, port: int = 0) -> AsyncIterator[Receiver]:
    receiver = Receiver(secret)
    app = web.Application()
    app.router.add_post("/cases", receiver.handle)
    async with serving(app, port) as receiver.port:
        try:
            yield receiver
        finally:
            if receiver.hang is not None:
                receiver.hang.set()
