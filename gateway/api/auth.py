"""API keys of machine clients: `Authorization: Bearer <key>` or `X-Api-Key`; roles client < agent < admin.

Each process keeps the keys it has looked up for a while. A revocation (`gateway apikey revoke`, the console's key page)
increments a generation counter in Redis; every request reads that counter, so a cached key is looked up again in SQL
as soon as any process revoked any key: revocation takes effect at once everywhere. While Redis cannot be read, cached
keys are trusted for FALLBACK_SECONDS only.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import RedisError

from gateway.api.errors import ApiError
from gateway.appkeys import SETTINGS, STORE
from gateway.queueing import async_redis_connection, redis_connection
from gateway.settings import Settings
from gateway.store.store import Store

log = logging.getLogger(__name__)

RANK = {"client": 1, "agent": 2, "admin": 3}
GENERATION_KEY = "gateway:api-keys:generation"
CACHE_SECONDS = 10.0
"""How long a looked-up key is trusted while the generation counter stays the same (a safety net for keys changed in SQL by hand)."""
FALLBACK_SECONDS = 3.0
"""How long a looked-up key is trusted while Redis cannot be read."""
MAX_CACHED = 10_000


def new_api_key() -> str:
    return "gw_" + secrets.token_urlsafe(32)


def presented_key(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.headers.get("X-Api-Key") or None


@dataclass(frozen=True)
class _Cached:
    role: str | None
    generation: bytes | None
    until: float
    fallback_until: float


class ApiKeys:
    """The role of a presented key, from SQL, cached per process and dropped when any process revokes a key."""

    def __init__(self, store: Store, redis: aioredis.Redis) -> None:
        self.store = store
        self.redis = redis
        self._cache: dict[str, _Cached] = {}
        self._redis_ok = True

    async def _generation(self) -> bytes | None:
        """The revocation counter; None (logged once per outage) when Redis cannot be read."""
        try:
            value = await self.redis.get(GENERATION_KEY)
        except (RedisError, OSError) as exc:
            if self._redis_ok:
                log.warning("API key revocations cannot be read from Redis (%s): cached keys are trusted for %.0f s only", exc, FALLBACK_SECONDS)
            self._redis_ok = False
            return None
        self._redis_ok = True
        return value or b"0"

    async def role(self, key: str) -> str | None:
        """The role of a key that exists and is not revoked, else None."""
        digest = hashlib.sha256(key.encode()).hexdigest()
        generation = await self._generation()
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None:
            fresh = cached.generation == generation and now < cached.until if generation is not None else now < cached.fallback_until
            if fresh:
                return cached.role
        role = await self.store.api_key_role(key)
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[digest] = _Cached(role, generation, now + CACHE_SECONDS, now + FALLBACK_SECONDS)
        return role

    async def revoked(self) -> None:
        """Call after revoking a key in SQL: this process forgets every key, and every other one on its next request."""
        self._cache.clear()
        try:
            await self.redis.incr(GENERATION_KEY)
        except (RedisError, OSError) as exc:
            log.warning("API key revocation not announced (%s): other processes stop accepting the key within %.0f s", exc, CACHE_SECONDS)


def announce_revocation(settings: Settings) -> bool:
    """The same announcement from a command (`gateway apikey revoke`); False (logged) when Redis cannot be reached."""
    if not settings.redis_configured:
        log.warning("no Redis configured: serving processes stop accepting the key within %.0f s", CACHE_SECONDS)
        return False
    connection = redis_connection(settings)
    try:
        connection.incr(GENERATION_KEY)
        return True
    except (RedisError, OSError) as exc:
        log.warning("revocation not announced (%s): serving processes stop accepting the key within %.0f s", exc, CACHE_SECONDS)
        return False
    finally:
        connection.close()


API_KEYS = web.AppKey("api_keys", ApiKeys)


async def api_keys_ctx(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after the resources context): the key cache and its own Redis connection."""
    settings = app[SETTINGS]
    redis = async_redis_connection(settings, socket_connect_timeout=2, socket_timeout=2, health_check_interval=0)
    app[API_KEYS] = ApiKeys(app[STORE], redis)
    yield
    await redis.aclose()


async def require(request: web.Request, role: str) -> str:
    """The caller's role if it is at least `role`; 401/403 otherwise."""
    key = presented_key(request)
    if not key:
        raise ApiError(401, "unauthorized")
    found_role = await request.config_dict[API_KEYS].role(key)
    if found_role is None:
        raise ApiError(401, "unauthorized")
    if RANK[found_role] < RANK[role]:
        raise ApiError(403, "forbidden")
    return found_role
