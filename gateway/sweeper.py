"""The sweeper: the SQL outbox is the record; whatever Redis lost is queued again from it."""
from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job, JobStatus
from rq.exceptions import NoSuchJobError

from gateway import metrics
from gateway.calls import WORKER_TTL_SECONDS, CallEvent, live_workers, publish_call_event
from gateway.casework.notify import enqueue_notifications, notification_job_id
from gateway.delivery.outbox import enqueue_delivery, job_id, platforms_in_force
from gateway.settings import Settings
from gateway.store.store import Store, as_utc, utcnow

log = logging.getLogger(__name__)
WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def job_waiting(queue: Queue, id_: str) -> bool:
    """True while a job will still run: queued, scheduled or deferred (not lost, failed or finished)."""
    try:
        return Job.fetch(id_, connection=queue.connection).get_status(refresh=False) in WAITING
    except NoSuchJobError:
        return False


async def sweep_once(settings: Settings, store: Store, queue: Queue) -> int:
    """Release dead claims, re-queue due deliveries whose job is gone, restart lost probes. Returns the count re-queued."""
    now = utcnow()
    stale_before = now - timedelta(seconds=settings.delivery.stale_claim_seconds)
    released = await store.release_stale_claims(stale_before)
    if released:
        log.warning("released %d delivery claims left by a lost worker", released)
    async with store.transaction() as tx:
        enabled = [p for p in await platforms_in_force(tx, settings) if p.enabled]
    states = await store.platform_states()
    paused = {s.platform_id for s in states if s.paused}
    # Rows of a paused or disabled platform wait in SQL; a probe or re-enabling brings them back.
    held = sorted(paused | (await store.pending_platform_ids() - {p.id for p in enabled}))
    for state in states:
        metrics.PLATFORM_PAUSED.labels(state.platform_id).set(1 if state.paused else 0)
        if state.paused and state.probe_at and as_utc(state.probe_at) < now - timedelta(seconds=settings.delivery.sweep_interval):
            if not job_waiting(queue, f"probe-{state.platform_id}"):
                queue.enqueue("gateway.jobs.probe", state.platform_id, job_id=f"probe-{state.platform_id}", result_ttl=0)
    for platform in enabled:
        if platform.kind != "open311":
            continue
        state = next((s for s in states if s.platform_id == platform.id), None)
        pulled = as_utc(state.pulled_at) if state and state.pulled_at else None
        if (pulled is None or pulled < now - timedelta(seconds=platform.pull_interval)) and not job_waiting(queue, f"pull-{platform.id}"):
            queue.enqueue("gateway.jobs.pull", platform.id, job_id=f"pull-{platform.id}", result_ttl=0)
    await drop_calls_of_silent_workers(store, queue.connection)
    requeued = 0
    for row in await store.due_deliveries(now - timedelta(seconds=settings.delivery.sweep_interval), held):
        if not job_waiting(queue, job_id(row.id)):
            enqueue_delivery(queue, row.id)
            requeued += 1
    lost = [n.id for n in await store.due_notifications(now - timedelta(seconds=settings.delivery.sweep_interval)) if not job_waiting(queue, notification_job_id(n.id))]
    enqueue_notifications(queue, lost)
    requeued += len(lost)
    if requeued:
        log.warning("re-queued %d deliveries and notifications whose jobs were lost", requeued)
    metrics.OUTBOX_DUE.set(requeued)
    await store.prune_callback_receipts(now - timedelta(seconds=2 * settings.intake.callback_tolerance_seconds))
    return requeued


async def drop_calls_of_silent_workers(store: Store, redis: Redis, *, redis_age_needed: float = WORKER_TTL_SECONDS) -> list[int]:
    """Calls held by a SIP worker that stopped beating (killed, its host gone) are recorded as dropped and announced.

    Not while Redis itself is younger than a heartbeat's life: a restarted Redis has lost every worker's beat."""
    if int(redis.info("server")["uptime_in_seconds"]) < redis_age_needed:
        return []
    silent = await store.workers_with_open_calls() - set(live_workers(redis))
    dropped: list[int] = []
    for worker in sorted(silent):
        for call_id in await store.calls_dropped(worker):
            call = await store.call(call_id)
            assert call is not None
            publish_call_event(redis, CallEvent(kind="dropped", call_id=call.id, channel="sip", line=call.line, caller=call.caller,
                                                language="en" if call.language == "en" else "zh", worker=worker))
            dropped.append(call_id)
        log.warning("SIP worker %s stopped beating: its open calls are recorded as dropped", worker)
    return dropped


async def run_sweeper(settings: Settings, store: Store, queue: Queue) -> None:
    """Sweep forever at the configured interval; a failed sweep is logged and retried next time."""
    while True:
        try:
            await sweep_once(settings, store, queue)
        except (RedisError, OSError) as exc:
            log.warning("sweep failed: %s", exc)
        await asyncio.sleep(settings.delivery.sweep_interval)
