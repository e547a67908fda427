"""Sign-in failures slow down one name from one client address: a few tries free, then a delay that doubles with
each further failure, up to a ceiling. Nothing is locked: an attacker elsewhere cannot keep an agent out, and the
answer is the same whether the name exists or not. Counters live in Redis (like the web form's rate limits)."""
from __future__ import annotations

import hashlib
import time

from redis import Redis

KEEP_SECONDS = 24 * 3600
"""A name's failures from an address are forgotten a day after the last one."""


class LoginThrottle:
    def __init__(self, redis: Redis, *, free_failures: int, first_delay: float, max_delay: float) -> None:
        self.redis = redis
        self.free_failures, self.first_delay, self.max_delay = free_failures, first_delay, max_delay

    @staticmethod
    def _key(username: str, address: str) -> str:
        subject = hashlib.sha256(f"{username.strip().lower()}\n{address}".encode()).hexdigest()[:32]
        return f"console:login:{subject}"

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after `failures` failures in a row."""
        extra = failures - self.free_failures
        return 0.0 if extra <= 0 else min(self.max_delay, self.first_delay * 2 ** (extra - 1))

    def wait(self, username: str, address: str, now: float | None = None) -> int:
        """Whole seconds this name must still wait from this address before its password is checked (0: go ahead)."""
        until = self.redis.hget(self._key(username, address), "until")
        left = float(until) - (time.time() if now is None else now) if until else 0.0
        return max(0, int(-(-left // 1)))

    def failed(self, username: str, address: str, now: float | None = None) -> None:
        """Count a failure; past the free ones the next try waits longer each time."""
        key = self._key(username, address)
        failures = int(self.redis.hincrby(key, "failures", 1))
        self.redis.hset(key, "until", str((time.time() if now is None else now) + self.delay_after(failures)))
        self.redis.expire(key, KEEP_SECONDS)

    def succeeded(self, username: str, address: str) -> None:
        self.redis.delete(self._key(username, address))
