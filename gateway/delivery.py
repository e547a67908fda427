"""The outbox, sending side: rq jobs that deliver one row, probe a paused platform; retries and the breaker."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

import aiohttp
from rq import Queue

from classifier.tables import load_tables
from gateway import metrics
from gateway.casework import Casework, CaseworkError
from gateway.deadlines import load_deadlines
from gateway.domain import CaseStatus
from gateway.outbox import Outbox, enqueue_delivery, job_id, platforms_in_force
from gateway.platforms import ADAPTERS, Open311Adapter, Outcome
from gateway.queueing import make_queue
from gateway.settings import Settings, load_settings
from gateway.store.engine import create_engine
from gateway.store.models import DeliveryRow
from gateway.store.store import DeliveryStatus, Store, as_utc, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")


def retry_delay(attempts: int, base: float, cap: float) -> timedelta:
    """Exponential backoff: base·2^(attempts-1), capped."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


class Deliverer:
    """Everything a worker process needs to deliver: store, queue, HTTP session, on one event loop."""

    def __init__(self, settings: Settings, store: Store, queue: Queue) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue
        self._session: aiohttp.ClientSession | None = None

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        await self.store.close()

    async def deliver(self, delivery_id: str, *, probing: bool = False) -> str:
        """One attempt at one delivery. Safe to run twice: only a pending row is claimed."""
        async with self.store.transaction() as tx:
            row = await tx.delivery(delivery_id)
            if row is None:
                return "missing"
            platform = next((p for p in await platforms_in_force(tx, self.settings) if p.id == row.platform_id), None)
            if platform is None or not platform.enabled:
                return "platform_disabled"
            state = await tx.platform_state(row.platform_id)
            if state.paused and not probing:
                return "paused"
            claimed = await tx.claim_delivery(delivery_id)
            if claimed is None:
                return row.status
        outcome = await ADAPTERS[platform.kind].send(await self.session(), platform, claimed)
        metrics.DELIVERIES.labels(platform.id, "delivered" if outcome.delivered else "retry" if outcome.retryable else "dead").inc()
        return await self._record(claimed, outcome, probing)

    async def _record(self, row: DeliveryRow, outcome: Outcome, probing: bool) -> str:
        now = utcnow()
        settings = self.settings.delivery
        schedule: datetime | None = None
        probe_at: datetime | None = None
        async with self.store.transaction() as tx:
            current = await tx.delivery(row.id)
            assert current is not None
            state = await tx.platform_state(row.platform_id)
            current.claimed_at = None
            current.last_status_code = outcome.status_code
            current.last_error = outcome.error
            if outcome.delivered:
                current.status, current.delivered_at = DeliveryStatus.DELIVERED, now
                state.consecutive_failures = 0
                if outcome.remote_id:
                    await tx.remember_platform_ref(row.platform_id, current.case_id, outcome.remote_id)
                result = "delivered"
            elif not outcome.retryable or now - as_utc(current.retry_from) > timedelta(hours=settings.retry_window_hours):
                current.status = DeliveryStatus.DEAD
                await tx.audit("delivery", row.id, "dead_letter", "worker", error=outcome.error, attempts=current.attempts)
                result = "dead"
            else:
                current.status = DeliveryStatus.PENDING
                schedule = current.next_attempt_at = now + retry_delay(current.attempts, settings.backoff_base, settings.backoff_max)
                state.consecutive_failures += 1
                result = "retry"
            if outcome.retryable and not outcome.delivered:
                if probing or (not state.paused and state.consecutive_failures >= settings.breaker_failures):
                    interval = settings.probe_interval if not probing else min(settings.probe_interval_max, (state.probe_interval or settings.probe_interval) * 2)
                    if not state.paused:
                        await tx.audit("platform", row.platform_id, "paused", "worker", failures=state.consecutive_failures)
                    state.paused, state.probe_interval, state.changed_at = True, interval, now
                    probe_at = state.probe_at = now + timedelta(seconds=interval)
                    schedule = None
            resumed = probing and outcome.delivered and state.paused
            if resumed:
                state.paused, state.probe_at, state.probe_interval, state.changed_at = False, None, None, now
                await tx.audit("platform", row.platform_id, "resumed", "worker")
        if schedule is not None:
            self.queue.enqueue_at(schedule, "gateway.delivery.deliver", row.id, job_id=job_id(row.id), result_ttl=0)
        if probe_at is not None:
            self.queue.enqueue_at(probe_at, "gateway.delivery.probe", row.platform_id, job_id=f"probe-{row.platform_id}", result_ttl=0)
        if resumed:
            for delivery_id in await self.store.pending_ids(row.platform_id):
                enqueue_delivery(self.queue, delivery_id)
        return result

    async def probe(self, platform_id: str) -> str:
        """Try the oldest pending delivery of a paused platform; success resumes it."""
        oldest = await self.store.oldest_pending(platform_id)
        if oldest is None:
            async with self.store.transaction() as tx:
                state = await tx.platform_state(platform_id)
                state.paused, state.probe_at, state.changed_at = False, None, utcnow()
            return "resumed_empty"
        return await self.deliver(oldest.id, probing=True)


    async def pull(self, platform_id: str, casework: Casework) -> int:
        """Ask an Open311 platform how its requests stand; a closed one closes our case. Returns changes made."""
        async with self.store.transaction() as tx:
            platform = next((p for p in await platforms_in_force(tx, self.settings) if p.id == platform_id), None)
        if platform is None or platform.kind != "open311" or not platform.enabled:
            return 0
        refs = await self.store.open_platform_refs(platform_id)
        adapter = ADAPTERS["open311"]
        assert isinstance(adapter, Open311Adapter)
        remote = await adapter.statuses(await self.session(), platform, list(refs)) if refs else {}
        changed = 0
        for remote_id, item in remote.items():
            if item.get("status") == "closed" and remote_id in refs:
                try:
                    changed += await casework.platform_status(refs[remote_id], CaseStatus.CLOSED, item.get("status_notes"), platform_id, platform_case_id=remote_id)
                except CaseworkError as exc:
                    log.warning("pulled status of %s not applied: %s", remote_id, exc.code)
        await self.store.mark_pulled(platform_id)
        return changed


class _Runtime:
    """One event loop per worker process, kept between jobs so pools and sessions are reused."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        settings = load_settings()
        self.deliverer = Deliverer(settings, Store(create_engine(settings.database_url)), make_queue(settings))
        outbox = Outbox(settings, load_tables(), self.deliverer.queue)
        self.casework = Casework(self.deliverer.store, outbox, load_tables(), load_deadlines(settings, load_tables()))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)


@cache
def runtime() -> _Runtime:
    return _Runtime()


def close_runtime() -> None:
    """Close the worker's HTTP session and database pool, if a job opened them."""
    if runtime.cache_info().currsize:
        worker = runtime()
        worker.run(worker.deliverer.close())
        worker.loop.close()
        runtime.cache_clear()


def deliver(delivery_id: str) -> str:
    """rq job: deliver one outbox row."""
    return runtime().run(runtime().deliverer.deliver(delivery_id))


def probe(platform_id: str) -> str:
    """rq job: probe a paused platform."""
    return runtime().run(runtime().deliverer.probe(platform_id))


def pull(platform_id: str) -> int:
    """rq job: pull the status of an Open311 platform's requests."""
    worker = runtime()
    return worker.run(worker.deliverer.pull(platform_id, worker.casework))
