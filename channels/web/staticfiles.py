"""Static files and browser libraries: gzip for text (compressed once, kept in memory), validators for revalidation,
and a year's immutable caching when the URL names the content's version (`?v=`, written by `asset_url`)."""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

COMPRESSIBLE = {".js", ".css", ".svg", ".json", ".map", ".html", ".txt"}
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"  # a URL without its version: kept, but checked each time (a 304 when unchanged)


@dataclass(frozen=True)
class _Loaded:
    """One file as served: its bytes, their gzip form (text types only) and the version the URL names."""

    stamp: tuple[int, int]
    body: bytes
    gzipped: bytes | None
    version: str


class StaticFiles:
    """The files under one folder, served at `prefix` ("/static/" or "/vendor/leaflet/")."""

    def __init__(self, prefix: str, root: Path) -> None:
        self.prefix, self.root = prefix, root.resolve()
        self._loaded: dict[Path, _Loaded] = {}

    def _file(self, relative: str) -> Path | None:
        path = (self.root / relative).resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None

    def _load(self, path: Path) -> _Loaded:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        loaded = self._loaded.get(path)
        if loaded is None or loaded.stamp != stamp:
            body = path.read_bytes()
            gzipped = gzip.compress(body, 9, mtime=0) if path.suffix in COMPRESSIBLE else None
            loaded = self._loaded[path] = _Loaded(stamp, body, gzipped, hashlib.sha256(body).hexdigest()[:12])
        return loaded

    def url(self, relative: str) -> str:
        """The URL of a file with its content's version, to be cached for a year."""
        path = self._file(relative)
        if path is None:
            raise FileNotFoundError(f"{self.prefix}{relative}")
        return f"{self.prefix}{relative}?v={self._load(path).version}"

    async def handle(self, request: web.Request) -> web.Response:
        path = self._file(request.match_info["path"])
        if path is None:
            raise web.HTTPNotFound()
        loaded = self._load(path)
        etag = f'"{loaded.version}"'
        cache = IMMUTABLE if request.query.get("v") == loaded.version else REVALIDATE
        headers = {"Cache-Control": cache, "ETag": etag, "Vary": "Accept-Encoding", "X-Content-Type-Options": "nosniff"}
        if etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in ("application/javascript", "image/svg+xml", "application/json"):
            content_type += "; charset=utf-8"
        headers["Content-Type"] = content_type
        if loaded.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
            return web.Response(body=loaded.gzipped, headers=headers | {"Content-Encoding": "gzip"})
        return web.Response(body=loaded.body, headers=headers)

    def add_to(self, app: web.Application) -> None:
        app.router.add_get(self.prefix + "{path:.+}", self.handle)
