"""`gateway worker` keeps delivering through a Redis restart, and a killed worker leaves no scheduler behind."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml

from tests.conftest import RedisServer, eventually
from tests.core.conftest import Api, make_settings, start_api
from tests.core.test_end_to_end import all_delivered, report
from tests.support.receiver import Receiver

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SCHEDULER_LOCK = "rq:scheduler-lock:gateway"


class WorkerProcess:
    """A real `gateway worker` whose log goes to a file the test can read."""

    def __init__(self, api: Api, directory: Path) -> None:
        config = directory / "gateway.yaml"
        data = api.settings.model_dump(mode="json", exclude={"redis_url", "database_url", "classifier_model_dir", "city_dir"})
        config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        self.log_path = directory / f"worker-{len(list(directory.glob('worker-*.log')))}.log"
        env = os.environ | {"GATEWAY_CONFIG": str(config), "REDIS_URL": api.settings.redis_url or "", "GATEWAY_DATABASE_URL": api.settings.database_url}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "gateway", "worker"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None



@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[Api], WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(api: Api) -> WorkerProcess:
        worker = WorkerProcess(api, tmp_path)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.alive():
            worker.process.terminate()
            try:
                worker.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


@pytest.fixture
async def e2e(aiohttp_client: Any, sqlite_url: str, own_redis: RedisServer, receiver: Receiver) -> AsyncIterator[Api]:
    api = await start_api(aiohttp_client, make_settings(sqlite_url, own_redis.url, receiver.url), sweeper=True)
    yield api
    await api.store.close()


async def test_a_redis_restart_during_a_delivery_does_not_stop_the_worker(
    e2e: Api, receiver: Receiver, own_redis: RedisServer, workers: Callable[[Api], WorkerProcess]
) -> None:
    receiver.hang = asyncio.Event()  # the platform is slow: the delivery job is running
    worker = workers(e2e)
    await report(e2e, 1)
    await eventually(lambda: len(receiver.received) == 1, timeout=60)
    own_redis.stop()
    receiver.hang.set()  # the platform answers while Redis is down: the job ends without Redis
    await eventually(lambda: all_delivered(e2e, 1), timeout=60)
    await eventually(lambda: not worker.alive() or "Redis is unreachable" in worker.log, timeout=60)
    own_redis.start()  # back, and empty
    assert worker.alive(), worker.log
    receiver.hang = None
    receiver.script = [503]  # the next delivery needs a retry: the scheduler must be running again too
    await report(e2e, 2)
    await eventually(lambda: all_delivered(e2e, 2), timeout=90)
    assert worker.alive(), worker.log
    assert len(receiver.accepted()) == 2 and [r.delivery_id for r in receiver.received].count(receiver.received[-1].delivery_id) == 2


def scheduler_pid(client: redis.Redis) -> int | None:
    """The pid of the scheduler holding the queue's lock, or None while nobody holds it."""
    name = client.get(SCHEDULER_LOCK)
    if name is None:
        return None
    pid = client.hget(f"rq:scheduler:{name.decode()}", "pid")
    return int(pid) if pid else None


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie (reaped by nobody yet) has stopped running
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


async def test_a_killed_worker_leaves_no_scheduler_holding_the_lock(
    e2e: Api, own_redis: RedisServer, workers: Callable[[Api], WorkerProcess]
) -> None:
    client = redis.Redis.from_url(own_redis.url)
    first = workers(e2e)
    pid = await eventually(lambda: scheduler_pid(client), timeout=60)
    try:
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        await eventually(lambda: process_gone(pid) and client.get(SCHEDULER_LOCK) is None, timeout=30)
        second = workers(e2e)
        successor = await eventually(lambda: scheduler_pid(client), timeout=60)
        assert successor != pid and second.alive()
    finally:
        if not process_gone(pid):
            os.kill(pid, signal.SIGKILL)
        client.close()
