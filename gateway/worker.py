"""`gateway worker`: rq's SimpleWorker and scheduler, made to outlive Redis restarts and their own parent.

rq quits its work loop on the first Redis error outside a dequeue ("found an unhandled exception, quitting"):
a Redis restart while a job runs ends the job's bookkeeping in a ConnectionError and the process exits with
status 0, so deliveries stop. What a job does is recorded in SQL (the outbox row), and the sweeper queues again
whatever Redis lost, so nothing is lost by waiting: here the worker waits for Redis and carries on.

rq's scheduler runs in a child process that dies on the first Redis error too (the worker starts a new one only
every ten minutes), and that keeps running, holding the scheduler lock, when its worker is killed. Ours waits for
Redis and stops (releasing the lock) once its worker is gone.
"""
from __future__ import annotations

import logging
import os
import time
from types import FrameType
from typing import Any

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.job import Job
from rq.scheduler import RQScheduler

from gateway.queueing import make_queue
from gateway.settings import Settings

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
WAIT_FIRST_SECONDS = 0.5
WAIT_MAX_SECONDS = 10.0


def wait_for_redis(connection: Redis, stopping: Any, why: str) -> bool:
    """Block until Redis answers a PING (True), or `stopping()` turns true (False); logged once each way."""
    delay, since = WAIT_FIRST_SECONDS, time.monotonic()
    log.warning("Redis is unreachable (%s): waiting for it to come back", why)
    while not stopping():
        try:
            connection.ping()
        except UNREACHABLE:
            time.sleep(delay)
            delay = min(delay * 2, WAIT_MAX_SECONDS)
            continue
        log.warning("Redis is back after %.1f s: working again", time.monotonic() - since)
        return True
    return False


class GatewayScheduler(RQScheduler):
    """The scheduler process: enqueues due scheduled jobs (retries, probes) every second."""

    def work(self) -> None:
        parent = os.getppid()
        self._install_signal_handlers()
        registered, down = False, False
        while True:
            if self._stop_requested or os.getppid() != parent:
                if not self._stop_requested:
                    log.warning("scheduler: worker %d is gone; stopping and releasing the scheduler lock", parent)
                self._stop_releasing()
                return
            try:
                if not registered:
                    self.register_birth()
                    registered = True
                if self.should_reacquire_locks:
                    self.acquire_locks()
                self.heartbeat()  # refreshes the lock, or takes it again when a restarted Redis lost it
                self.enqueue_scheduled_jobs()
                if down:
                    log.warning("scheduler: Redis is back; scheduled jobs are enqueued again")
                    down = False
            except UNREACHABLE as exc:
                if not down:
                    log.warning("scheduler: Redis is unreachable (%s); scheduled jobs wait until it is back", exc)
                    down = True
                registered = False  # a restarted Redis has lost this scheduler's record
            time.sleep(self.interval)

    def _stop_releasing(self) -> None:
        try:
            self.stop()
        except RedisError as exc:
            log.warning("scheduler: lock not released (%s); it expires within %d s", exc, self.interval + 60)


class GatewayWorker(SimpleWorker):
    """Runs jobs in this process (one event loop kept between jobs), with GatewayScheduler, through Redis outages."""

    stop_signalled = False

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        from gateway.jobs import stop_draining

        self.stop_signalled = True
        stop_draining()
        try:
            super().request_stop(signum, frame)
        except UNREACHABLE as exc:  # rq notes the request in Redis while a job runs; the stop itself still happens
            log.warning("stop requested while Redis is unreachable (%s)", exc)
            self._stop_requested = True

    def stopping(self) -> bool:
        return self.stop_signalled or self._stop_requested

    def execute_job(self, job: Job, queue: Queue) -> None:
        try:
            super().execute_job(job, queue)
        except UNREACHABLE as exc:
            # The job ran; only rq's record of it failed. Its outcome is in SQL, and the sweeper re-queues what is due.
            if not wait_for_redis(self.connection, self.stopping, f"after job {job.id}: {exc}"):
                raise StopRequested() from None
            self.reregister()

    def reregister(self) -> None:
        """After an outage: a Redis that came back empty no longer knows this worker."""
        if not self.connection.exists(self.key):
            self.register_birth()

    def teardown(self) -> None:
        """rq's teardown, each step on its own so that a Redis outage leaves no scheduler or pubsub thread behind."""
        if self.is_horse:
            return
        if self.scheduler:
            self.stop_scheduler()
        try:
            self.register_death()
        except RedisError as exc:
            log.warning("worker %s: its end is not recorded in Redis (%s)", self.name, exc)
        try:
            self.unsubscribe()
        except RedisError as exc:
            log.warning("worker %s: command channel closed without unsubscribing (%s)", self.name, exc)
            if self.pubsub_thread:
                self.pubsub_thread.stop()
                self.pubsub_thread.join(timeout=1)

    def _start_scheduler(self, burst: bool = False, logging_level: str | None = "INFO",
                         date_format: str = DEFAULT_LOGGING_DATE_FORMAT, log_format: str = DEFAULT_LOGGING_FORMAT) -> None:
        """rq's own start, with GatewayScheduler in place of RQScheduler."""
        self.scheduler = GatewayScheduler(self.queues, connection=self.connection,
                                          logging_level=logging_level if logging_level is not None else self.log.level,
                                          date_format=date_format, log_format=log_format, serializer=self.serializer)
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()


def run(settings: Settings, *, burst: bool = False) -> int:
    """The worker until it is asked to stop (0), or until its loop ends on an error other than Redis being away (1)."""
    from gateway.jobs import close_runtime

    try:
        return _work(settings, burst)
    finally:
        close_runtime()


def _work(settings: Settings, burst: bool) -> int:
    queue = make_queue(settings)
    while True:
        worker = GatewayWorker([queue], connection=queue.connection)
        try:
            worker.work(with_scheduler=True, burst=burst, logging_level=settings.log_level.upper())
        except UNREACHABLE as exc:
            if worker.stopping() or not wait_for_redis(queue.connection, worker.stopping, str(exc)):
                return 0
            continue
        if burst or worker.stopping():
            return 0
        # rq's loop ended on an error it logged ("unhandled exception"): a lost Redis is waited for, anything else ends the process.
        try:
            queue.connection.ping()
        except UNREACHABLE as exc:
            if not wait_for_redis(queue.connection, worker.stopping, str(exc)):
                return 0
            continue
        log.error("the worker loop ended on the error logged above; exiting so that the process is restarted")
        return 1
