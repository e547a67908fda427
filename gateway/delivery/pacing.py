"""Per-platform pace of one worker: its share of the platform's `max_in_flight` and `rate_per_second`.

Both limits hold over all workers: each live worker takes an equal share (rq's registry says how many are alive),
so adding workers never sends a platform more than it was given."""
from __future__ import annotations

import asyncio
import logging
import math
import time

from aiolimiter import AsyncLimiter
from redis.exceptions import RedisError
from rq import Queue, Worker

from gateway.settings import PlatformSettings

log = logging.getLogger(__name__)
WORKERS_TTL_SECONDS = 5.0  # how long the count of live workers is trusted


class Pace:
    def __init__(self, queue: Queue) -> None:
        self.queue = queue
        self._workers, self._counted = 1, -math.inf
        self._limiters: dict[str, tuple[float, AsyncLimiter]] = {}
        self._gates: dict[str, tuple[int, asyncio.Semaphore]] = {}

    def workers(self) -> int:
        """Live workers on the queue (at least this one), re-counted every WORKERS_TTL_SECONDS; the last count while Redis is away."""
        now = time.monotonic()
        if now - self._counted >= WORKERS_TTL_SECONDS:
            try:
                self._workers = max(1, Worker.count(connection=self.queue.connection, queue=self.queue))
            except RedisError as exc:
                log.warning("live workers not counted (%s); pacing as %d", exc, self._workers)
            self._counted = now
        return self._workers

    def share(self, platform: PlatformSettings) -> int:
        """This worker's share of the platform's in-flight limit."""
        return max(1, platform.max_in_flight // self.workers())

    def claim(self, platform: PlatformSettings, lanes: int) -> int:
        """How many deliveries one of `lanes` claims at a time: together twice the in-flight share (one batch sending while
        the next is claimed or recorded), and never more than a second of this worker's rate, so claims stay short."""
        size = math.ceil(2 * self.share(platform) / lanes)
        rate = self.rate(platform)
        return size if rate is None else max(1, min(size, math.ceil(rate / lanes)))

    def in_flight(self, platform: PlatformSettings) -> asyncio.Semaphore:
        """The gate every send to the platform passes; a new one when the share changes."""
        share = self.share(platform)
        known = self._gates.get(platform.id)
        if known is None or known[0] != share:
            known = self._gates[platform.id] = (share, asyncio.Semaphore(share))
        return known[1]

    def rate(self, platform: PlatformSettings) -> float | None:
        return None if platform.rate_per_second is None else platform.rate_per_second / self.workers()

    def limiter(self, platform: PlatformSettings) -> AsyncLimiter | None:
        """A leaky bucket at this worker's share of the rate; a new one when the rate or the share changes."""
        rate = self.rate(platform)
        if rate is None:
            self._limiters.pop(platform.id, None)
            return None
        known = self._limiters.get(platform.id)
        if known is None or known[0] != rate:
            burst = max(1.0, rate)  # a bucket must hold one whole delivery, even below one a second
            known = self._limiters[platform.id] = (rate, AsyncLimiter(burst, burst / rate))
        return known[1]
