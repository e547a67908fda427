"""The rq jobs a `gateway worker` runs, and the one runtime they share: an event loop, the store, the queue.

Jobs are queued by name (`gateway.jobs.deliver`, …) so that queueing them imports nothing of what they run; a job
queued under a name that no longer exists fails, and the sweeper queues its row again from SQL."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from functools import cache
from typing import Any, TypeVar

from classifier.tables import load_tables
from gateway.casework.cases import Casework, CaseworkError
from gateway.casework.deadlines import load_deadlines
from gateway.casework.notify import send_one
from gateway.delivery.outbox import Outbox
from gateway.delivery.sender import Deliverer
from gateway.domain import CaseStatus
from gateway.queueing import make_queue
from gateway.settings import load_settings
from gateway.store.engine import create_engine
from gateway.store.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")


class Runtime:
    """One event loop per worker process, kept between jobs so pools and sessions are reused."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.settings = load_settings()
        self.store = Store(create_engine(self.settings.database_url))
        self.queue = make_queue(self.settings)
        self.deliverer = Deliverer(self.settings, self.store, self.queue)
        tables = load_tables()
        self.casework = Casework(self.store, Outbox(self.settings, tables, self.queue), tables, load_deadlines(self.settings, tables))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)


@cache
def runtime() -> Runtime:
    return Runtime()


def close_runtime() -> None:
    """Close the worker's HTTP sessions and database pool, if a job opened them."""
    if runtime.cache_info().currsize:
        worker = runtime()
        worker.run(worker.deliverer.close())
        worker.loop.close()
        runtime.cache_clear()


def deliver(delivery_id: str) -> str:
    """Drain what is due (this row among it); then this row alone if it was not due yet."""
    deliverer = runtime().deliverer

    async def job() -> str:
        await deliverer.drain()
        return await deliverer.deliver(delivery_id)

    return runtime().run(job())


def drain() -> int:
    """Deliver what is due (after a resume, or carrying on a drain cut short)."""
    return runtime().run(runtime().deliverer.drain())


def stop_draining() -> None:
    """The worker was asked to stop: a running drain ends after its current batches."""
    if runtime.cache_info().currsize:
        runtime().deliverer.stopping = True


def probe(platform_id: str) -> str:
    """Probe a paused platform."""
    return runtime().run(runtime().deliverer.probe(platform_id))


async def pull_statuses(deliverer: Deliverer, casework: Casework, platform_id: str) -> int:
    """Close here what an Open311 platform closed. Returns the changes made."""
    changed = 0
    for closed in await deliverer.pull(platform_id):
        try:
            changed += await casework.platform_status(closed.case_id, CaseStatus.CLOSED, closed.note, platform_id, platform_case_id=closed.remote_id)
        except CaseworkError as exc:
            log.warning("pulled status of %s not applied: %s", closed.remote_id, exc.code)
    return changed


def pull(platform_id: str) -> int:
    """Pull the status of an Open311 platform's requests."""
    worker = runtime()
    return worker.run(pull_statuses(worker.deliverer, worker.casework, platform_id))


def send_notification(notification_id: str) -> str:
    """Send one notification to a reporter."""
    worker = runtime()
    return worker.run(send_one(worker.settings, worker.store.transaction, worker.queue, notification_id))
