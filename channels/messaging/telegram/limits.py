"""Per-chat rate limits: fixed windows counted in Redis (the conversational channels each under their own prefix)."""
from __future__ import annotations

import time

from redis import Redis


class RateLimiter:
    """At most `limit` events per `window_seconds` for each key."""

    def __init__(self, redis: Redis, name: str, limit: int, window_seconds: int, prefix: str = "telegram") -> None:
        self.redis = redis
        self.prefix = prefix
        self.name = name
        self.limit = limit
        self.window = window_seconds

    def _key(self, key: str | int) -> str:
        return f"{self.prefix}:limit:{self.name}:{key}:{int(time.time()) // self.window}"

    def hit(self, key: str | int) -> bool:
        """Count one event; False when it goes over the limit."""
        name = self._key(key)
        pipe = self.redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, self.window)
        count, _ = pipe.execute()
        return int(count) <= self.limit

    def count(self, key: str | int) -> int:
        """Events counted for the key in the current window."""
        raw = self.redis.get(self._key(key))
        return int(raw) if raw is not None else 0
