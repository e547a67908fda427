"""Protections of the public form: CSRF double-submit cookie, per-hour rate limits in Redis, security headers."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlsplit

from aiohttp import web
from redis import Redis

CSRF_COOKIE = "web_csrf"


def content_security_policy(image_sources: tuple[str, ...] = ()) -> str:
    """Only 'self' for everything; `image_sources` (a tile server) are added for images and nothing else."""
    images = " ".join(("'self'", "data:", "blob:", *image_sources))
    return (
        f"default-src 'self'; img-src {images}; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )


CSP = content_security_policy()
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a tile URL template: scheme and host, `{s}` subdomains as a wildcard; None for a relative URL."""
    parts = urlsplit(tile_url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def security_headers(tile_url: str | None) -> dict[str, str]:
    """The headers of every page: with map tiles, their server may serve images (and only images)."""
    source = tile_source(tile_url) if tile_url else None
    return SECURITY_HEADERS | {"Content-Security-Policy": content_security_policy((source,))} if source else SECURITY_HEADERS


def csrf_token(request: web.Request) -> str:
    """The visitor's token: the one in their cookie, or a fresh one to be set by `keep_csrf`."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def keep_csrf(request: web.Request, response: web.StreamResponse, token: str) -> None:
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="Strict", path="/")


def csrf_valid(request: web.Request, submitted: str | None) -> bool:
    """The form's token matches the cookie (a cross-site post cannot read or set either)."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted) and hmac.compare_digest(cookie.encode(), (submitted or "").encode())


def contact_key(handle: str) -> str:
    """A pseudonymous key of a phone number or e-mail: digits and letters only, hashed."""
    normalized = "".join(ch for ch in handle.lower() if ch.isalnum() or ch in "@.")
    return hashlib.sha256(normalized.encode()).hexdigest()[:32]


class RateLimiter:
    """Fixed one-hour windows counted in Redis: `allow` counts an attempt and says whether it is within the limit."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def allow(self, scope: str, subject: str, limit: int) -> bool:
        window = int(time.time() // 3600)
        key = f"web:rate:{scope}:{subject}:{window}"
        return await asyncio.to_thread(self._count, key) <= limit

    def _count(self, key: str) -> int:
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 3600)
        count, _ = pipe.execute()
        return int(count)
