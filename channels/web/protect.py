"""Protections of the public form: CSRF double-submit cookie, per-hour rate limits in Redis, security headers."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time

from aiohttp import web
from redis import Redis

CSRF_COOKIE = "web_csrf"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


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
