"""The outbox, sending side: drain what is due in batches sent at once, probe a paused platform; retries and the breaker.

The rq jobs that drive it are in `gateway.jobs`."""
from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import aiohttp
from redis.exceptions import RedisError
from rq import Queue

from gateway import metrics
from gateway.delivery.outbox import PLATFORMS_TTL_SECONDS, job_id, platforms_in_force
from gateway.delivery.pacing import Pace
from gateway.delivery.platforms import ADAPTERS, Open311Adapter, Outcome
from gateway.settings import PlatformSettings, Settings
from gateway.store.models import DeliveryRow
from gateway.store.store import DeliveryStatus, Store, as_utc, utcnow

log = logging.getLogger(__name__)
LANES = 2  # batches of one platform claimed and sent at once, sharing its in-flight limit


class Closed(NamedTuple):
    """A case an Open311 platform reports closed."""
    case_id: int
    remote_id: str
    note: str | None


def retry_delay(attempts: int, base: float, cap: float) -> timedelta:
    """Exponential backoff: base·2^(attempts-1), capped."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


class Deliverer:
    """Everything a worker process needs to deliver: store, queue, an HTTP session per platform, on one event loop."""

    def __init__(self, settings: Settings, store: Store, queue: Queue) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self.pace = Pace(queue)
        self.stopping = False
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._platforms_read: tuple[float, list[PlatformSettings]] = (-math.inf, [])

    async def session(self, platform_id: str) -> aiohttp.ClientSession:
        """The platform's own HTTP session: its connections are kept alive from one delivery to the next."""
        session = self._sessions.get(platform_id)
        if session is None or session.closed:
            session = self._sessions[platform_id] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return session

    async def close(self) -> None:
        for session in self._sessions.values():
            await session.close()
        await self.store.close()

    async def deliver(self, delivery_id: str, *, probing: bool = False) -> str:
        """One attempt at one delivery, due or not. Safe to run twice: only a pending row is claimed."""
        async with self.store.transaction() as tx:
            row = await tx.delivery(delivery_id)
            if row is None:
                return "missing"
            if row.status != DeliveryStatus.PENDING:
                return row.status
            platform = next((p for p in await platforms_in_force(tx, self.settings) if p.id == row.platform_id), None)
            if platform is None or not platform.enabled:
                return "platform_disabled"
            state = await tx.platform_state(row.platform_id)
            if state.paused and not probing:
                return "paused"
            claimed = await tx.claim_delivery(delivery_id)
            if claimed is None:
                return row.status
        [result] = await self._attempt(platform, [claimed], probing)
        return result

    async def drain(self) -> int:
        """Deliver what is due on every enabled platform, batch after batch, for at most `drain_seconds`; returns the attempts.

        A drain cut short by its time leaves a job to carry on behind whatever else is queued."""
        deadline = time.monotonic() + self.settings.delivery.drain_seconds
        enabled = [p.id for p in await self._platforms() if p.enabled]
        async with asyncio.TaskGroup() as group:  # one lane failing stops the others; their claims are released by the sweeper
            lanes = [group.create_task(self._drain_lane(platform_id, deadline)) for platform_id in enabled for _ in range(LANES)]
        attempts = sum(lane.result() for lane in lanes)
        if attempts and time.monotonic() >= deadline and not self.stopping:
            self._enqueue_drain()
        return attempts

    async def _platforms(self) -> list[PlatformSettings]:
        """The platforms in force, re-read every PLATFORMS_TTL_SECONDS while draining: an administrator's change holds soon."""
        read, platforms = self._platforms_read
        if time.monotonic() - read >= PLATFORMS_TTL_SECONDS:
            async with self.store.transaction() as tx:
                platforms = await platforms_in_force(tx, self.settings)
            self._platforms_read = (time.monotonic(), platforms)
        return platforms

    async def _drain_lane(self, platform_id: str, deadline: float) -> int:
        """One lane of a platform's drain: claim a batch, send it, record it, again; two lanes overlap SQL with sending."""
        attempts = 0
        while time.monotonic() < deadline and not self.stopping:
            platform = next((p for p in await self._platforms() if p.id == platform_id), None)
            if platform is None or not platform.enabled:
                break
            async with self.store.transaction() as tx:
                rows = await tx.claim_due_deliveries(platform_id, utcnow(), self.pace.claim(platform, LANES))
            if not rows:
                break
            await self._attempt(platform, rows, probing=False)
            attempts += len(rows)
        return attempts

    async def _attempt(self, platform: PlatformSettings, rows: Sequence[DeliveryRow], probing: bool) -> list[str]:
        """Send claimed rows at the platform's pace (in flight together up to its share) and record what each gave."""
        session, adapter = await self.session(platform.id), ADAPTERS[platform.kind]
        in_flight, limiter = self.pace.in_flight(platform), self.pace.limiter(platform)

        async def send(row: DeliveryRow) -> Outcome:
            async with in_flight:
                if limiter is None:
                    return await adapter.send(session, platform, row)
                async with limiter:
                    return await adapter.send(session, platform, row)

        outcomes = await asyncio.gather(*(send(row) for row in rows))
        for outcome in outcomes:
            metrics.DELIVERIES.labels(platform.id, "delivered" if outcome.delivered else "retry" if outcome.retryable else "dead").inc()
        return await self._record(platform.id, list(zip(rows, outcomes)), probing)

    async def _record(self, platform_id: str, attempts: Sequence[tuple[DeliveryRow, Outcome]], probing: bool) -> list[str]:
        """One transaction for a batch: each row delivered, retried later or dead; the platform's breaker counted in order."""
        now = utcnow()
        settings = self.settings.delivery
        results: list[str] = []
        changes: list[dict[str, Any]] = []
        retries: list[tuple[str, datetime]] = []
        probe_at: datetime | None = None
        async with self.store.transaction() as tx:
            if probing or not all(outcome.delivered for _, outcome in attempts):
                state = await tx.platform_state(platform_id)
            else:  # all delivered: the breaker only needs its count of failures cleared
                state = None
                await tx.clear_failures(platform_id)
            for row, outcome in attempts:
                change: dict[str, Any] = {"id": row.id, "claimed_at": None, "last_status_code": outcome.status_code, "last_error": outcome.error,
                                          "delivered_at": None, "next_attempt_at": row.next_attempt_at}
                if outcome.delivered:
                    change |= {"status": DeliveryStatus.DELIVERED, "delivered_at": now}
                    if state is not None:
                        state.consecutive_failures = 0
                    if outcome.remote_id:
                        await tx.remember_platform_ref(platform_id, row.case_id, outcome.remote_id)
                    results.append("delivered")
                elif not outcome.retryable or now - as_utc(row.retry_from) > timedelta(hours=settings.retry_window_hours):
                    change["status"] = DeliveryStatus.DEAD
                    await tx.audit("delivery", row.id, "dead_letter", "worker", error=outcome.error, attempts=row.attempts)
                    results.append("dead")
                else:
                    change |= {"status": DeliveryStatus.PENDING, "next_attempt_at": now + retry_delay(row.attempts, settings.backoff_base, settings.backoff_max)}
                    state.consecutive_failures += 1
                    results.append("retry")
                changes.append(change)
                if outcome.retryable and not outcome.delivered and (probing or (not state.paused and state.consecutive_failures >= settings.breaker_failures)):
                    interval = settings.probe_interval if not probing else min(settings.probe_interval_max, (state.probe_interval or settings.probe_interval) * 2)
                    if not state.paused:
                        await tx.audit("platform", platform_id, "paused", "worker", failures=state.consecutive_failures)
                    state.paused, state.probe_interval, state.changed_at = True, interval, now
                    probe_at = state.probe_at = now + timedelta(seconds=interval)
                elif results[-1] == "retry" and not state.paused:
                    retries.append((row.id, change["next_attempt_at"]))  # a paused platform's rows wait in SQL for the probe
            await tx.record_deliveries(changes)
            resumed = probing and "delivered" in results and state.paused
            if resumed:
                state.paused, state.probe_at, state.probe_interval, state.changed_at = False, None, None, now
                await tx.audit("platform", platform_id, "resumed", "worker")
                await tx.make_pending_due(platform_id, now)
        self._schedule(retries, platform_id, probe_at, resumed)
        return results

    def _schedule(self, retries: Sequence[tuple[str, datetime]], platform_id: str, probe_at: datetime | None, resumed: bool) -> None:
        """The rq jobs that follow a batch: retries at their time, a probe, a drain on resuming; the sweeper makes up for any lost."""
        try:
            for delivery_id, at in retries:
                self.queue.enqueue_at(at, "gateway.jobs.deliver", delivery_id, job_id=job_id(delivery_id), result_ttl=0)
            if probe_at is not None:
                self.queue.enqueue_at(probe_at, "gateway.jobs.probe", platform_id, job_id=f"probe-{platform_id}", result_ttl=0)
        except RedisError as exc:
            log.warning("retries or probe of %s not scheduled (%s); the sweeper queues them when due", platform_id, exc)
        if resumed:
            self._enqueue_drain()

    def _enqueue_drain(self) -> None:
        try:
            self.queue.enqueue("gateway.jobs.drain", result_ttl=0)  # an id of its own: it may be queued by the drain it follows
        except RedisError as exc:
            log.warning("drain not queued (%s); the sweeper queues what is due", exc)

    async def probe(self, platform_id: str) -> str:
        """Try the oldest pending delivery of a paused platform; success resumes it."""
        oldest = await self.store.oldest_pending(platform_id)
        if oldest is None:
            async with self.store.transaction() as tx:
                state = await tx.platform_state(platform_id)
                state.paused, state.probe_at, state.changed_at = False, None, utcnow()
            return "resumed_empty"
        return await self.deliver(oldest.id, probing=True)

    async def pull(self, platform_id: str) -> list[Closed]:
        """Ask an Open311 platform how its requests stand: the ones it closed whose case is open here."""
        async with self.store.transaction() as tx:
            platform = next((p for p in await platforms_in_force(tx, self.settings) if p.id == platform_id), None)
        if platform is None or platform.kind != "open311" or not platform.enabled:
            return []
        refs = await self.store.open_platform_refs(platform_id)
        adapter = ADAPTERS["open311"]
        assert isinstance(adapter, Open311Adapter)
        remote = await adapter.statuses(await self.session(platform_id), platform, list(refs)) if refs else {}
        await self.store.mark_pulled(platform_id)
        return [Closed(refs[remote_id], remote_id, item.get("status_notes")) for remote_id, item in remote.items()
                if item.get("status") == "closed" and remote_id in refs]
