"""The installable app at /field/: its shell (page, script, styles, icons, manifest, texts) and the service worker that
keeps the shell on the phone, so the app opens and queues reports without a network."""
from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from aiohttp import web

from channels.field.catalogue import TEXTS
from channels.web.protect import SECURITY_HEADERS

STATIC = Path(__file__).resolve().parent / "static"
SHELL = {  # file -> content type
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "queue.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
    "icon-192.png": "image/png",
    "icon-512.png": "image/png",
    "manifest.webmanifest": "application/manifest+json",
}
routes = web.RouteTableDef()


@cache
def texts_js() -> bytes:
    return ("self.FIELD_TEXTS = " + json.dumps(TEXTS, ensure_ascii=False, sort_keys=True) + ";\n").encode()


@cache
def version() -> str:
    """Changes with any file of the shell: a new version makes the service worker fetch them all again."""
    digest = hashlib.sha256(texts_js())
    for name in sorted(SHELL):
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:16]


def _response(body: bytes, content_type: str) -> web.Response:
    response = web.Response(body=body, headers=SECURITY_HEADERS | {"Cache-Control": "no-cache"})
    response.headers["Content-Type"] = content_type
    return response


@routes.get("/field")
async def field_root(_: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently("/field/")


@routes.get("/field/")
async def index(_: web.Request) -> web.Response:
    return _response((STATIC / "index.html").read_bytes(), SHELL["index.html"])


@routes.get("/field/texts.js")
async def texts(_: web.Request) -> web.Response:
    return _response(texts_js(), "text/javascript; charset=utf-8")


@routes.get("/field/sw.js")
async def service_worker(_: web.Request) -> web.Response:
    body = (STATIC / "sw.js").read_text(encoding="utf-8").replace("__VERSION__", version())
    return _response(body.encode(), "text/javascript; charset=utf-8")


@routes.get("/field/{name:[a-z0-9.-]+}")
async def shell_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in SHELL or name == "index.html":
        raise web.HTTPNotFound()
    return _response((STATIC / name).read_bytes(), SHELL[name])
