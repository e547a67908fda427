"""API keys of machine clients: `Authorization: Bearer <key>` or `X-Api-Key`; roles client < agent < admin."""
from __future__ import annotations

import secrets
import time

from aiohttp import web

from gateway.api.errors import ApiError
from gateway.appkeys import STORE

RANK = {"client": 1, "agent": 2, "admin": 3}
CACHE_SECONDS = 30.0
KEY_CACHE = web.AppKey("api_key_cache", dict[str, tuple[float, str | None]])


def new_api_key() -> str:
    return "gw_" + secrets.token_urlsafe(32)


def presented_key(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("X-Api-Key") or None


async def require(request: web.Request, role: str) -> str:
    """The caller's role if it is at least `role`; 401/403 otherwise."""
    key = presented_key(request)
    if not key:
        raise ApiError(401, "unauthorized")
    now = time.monotonic()
    cache = request.config_dict[KEY_CACHE]
    cached = cache.get(key)
    if cached is None or cached[0] < now:
        found = await request.config_dict[STORE].api_key_role(key)
        cached = cache[key] = (now + CACHE_SECONDS, found)
    found_role = cached[1]
    if found_role is None:
        raise ApiError(401, "unauthorized")
    if RANK[found_role] < RANK[role]:
        raise ApiError(403, "forbidden")
    return found_role
