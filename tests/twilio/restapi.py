"""A local server speaking Twilio's REST API (2010-04-01): Messages.json create, and media and recording downloads, with basic auth.

Files are sent the way real servers send them: in pieces, with a pause between them (tests.support.pieces)."""
from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from tests.support.pieces import in_pieces
from tests.support.serving import serving

API = "/2010-04-01/Accounts/{sid}"


@dataclass
class TwilioRestServer:
    """Created messages are kept in `messages`; `files` (path → bytes, content type) are what media and recording URLs
    serve; `failing` answers every message create with Twilio's 503 error body; a message to one of `unreachable` is refused
    as Twilio refuses an invalid number, naming it."""

    account_sid: str
    auth_token: str
    port: int = 0
    messages: list[dict[str, str]] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    failing: bool = False
    unreachable: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_media(self, data: bytes, content_type: str) -> str:
        """A message media URL as Twilio puts it in MediaUrl0."""
        path = f"{API.format(sid=self.account_sid)}/Messages/MM{uuid.uuid4().hex}/Media/ME{uuid.uuid4().hex}"
        self.files[path] = (data, content_type)
        return self.url + path

    def add_recording(self, data: bytes) -> str:
        """A RecordingUrl as Twilio posts it to a Record action (served as audio/x-wav)."""
        path = f"{API.format(sid=self.account_sid)}/Recordings/RE{uuid.uuid4().hex}"
        self.files[path] = (data, "audio/x-wav")
        return self.url + path

    def sent_to(self, to: str) -> list[str]:
        return [m["Body"] for m in self.messages if m["To"] == to]

    def authorized(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == expected and request.match_info["sid"] == self.account_sid

    @staticmethod
    def error(status: int, code: int, message: str) -> web.Response:
        return web.json_response({"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}, status=status)

    async def create_message(self, request: web.Request) -> web.Response:
        if not self.authorized(request):
            return self.error(401, 20003, "Authenticate")
        form = {k: str(v) for k, v in (await request.post()).items()}
        if self.failing:
            return self.error(503, 20503, "Service Unavailable")
        if form.get("To") in self.unreachable:
            return self.error(400, 21211, f"The 'To' number {form['To']} is not a valid phone number.")
        if not form.get("To") or not form.get("From") or not form.get("Body"):
            return self.error(400, 21604, "A 'To', 'From' and 'Body' parameter is required.")
        self.messages.append(form)
        sid = f"SM{uuid.uuid4().hex}"
        now = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
        body: dict[str, Any] = {
            "sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form["From"], "body": form["Body"],
            "status": "queued", "direction": "outbound-api", "num_segments": "1", "num_media": "0", "api_version": "2010-04-01",
            "date_created": now, "date_updated": now, "date_sent": None, "price": None, "price_unit": "USD",
            "error_code": None, "error_message": None, "messaging_service_sid": None,
            "uri": f"{API.format(sid=self.account_sid)}/Messages/{sid}.json",
            "subresource_uris": {"media": f"{API.format(sid=self.account_sid)}/Messages/{sid}/Media.json"},
        }
        return web.json_response(body, status=201)

    async def file(self, request: web.Request) -> web.StreamResponse:
        """A recording is served here; message media is sent on to storage, as Twilio does (307 to a signed URL)."""
        if not self.authorized(request):
            return self.error(401, 20003, "Authenticate")
        self.downloads.append(request.path)
        found = self.files.get(request.path)
        if found is None:
            return self.error(404, 20404, f"The requested resource {request.path} was not found")
        if "/Media/" in request.path:
            raise web.HTTPTemporaryRedirect(f"/storage/{request.path.rsplit('/', 1)[1]}?X-Amz-Signature=local&path={request.path}")
        data, content_type = found
        return await in_pieces(request, data, content_type)

    async def storage(self, request: web.Request) -> web.StreamResponse:
        """Media storage: a signed URL needs no credentials and refuses a second auth mechanism, like S3."""
        if "Authorization" in request.headers:
            return web.Response(status=400, text="<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>")
        data, content_type = self.files[request.query["path"]]
        return await in_pieces(request, data, content_type)


@asynccontextmanager
async def running_twilio(account_sid: str, auth_token: str) -> AsyncIterator[TwilioRestServer]:
    server = TwilioRestServer(account_sid, auth_token)
    app = web.Application()
    app.router.add_post(API.format(sid="{sid}") + "/Messages.json", server.create_message)
    app.router.add_get(API.format(sid="{sid}") + "/Messages/{message}/Media/{media}", server.file)
    app.router.add_get(API.format(sid="{sid}") + "/Recordings/{recording}", server.file)
    app.router.add_get("/storage/{name}", server.storage)
    async with serving(app) as server.port:
        yield server
