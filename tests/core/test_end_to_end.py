"""Reports reach a platform through a real rq worker process with its scheduler, whatever fails on the way."""
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
import yaml

from gateway.store.models import DeliveryRow
from tests.conftest import RedisServer, eventually, free_port
from tests.core.conftest import SECRET, Api, make_settings, start_api
from tests.support.receiver import Receiver, running_receiver

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]



@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Callable[[Api], subprocess.Popen[bytes]]]:
    """Starts `gateway worker` processes configured like the API under test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(api: Api) -> subprocess.Popen[bytes]:
        config = tmp_path / "gateway.yaml"
        data = api.settings.model_dump(mode="json", exclude={"redis_url", "database_url", "classifier_model_dir", "city_dir"})
        config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        env = os.environ | {"GATEWAY_CONFIG": str(config), "REDIS_URL": api.settings.redis_url or "", "GATEWAY_DATABASE_URL": api.settings.database_url}
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "worker"], cwd=REPO, env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


async def delivery_rows(api: Api) -> list[DeliveryRow]:
    return await api.store.deliveries()


async def all_delivered(api: Api, count: int) -> bool:
    rows = await delivery_rows(api)
    return len(rows) == count and all(r.status == "delivered" for r in rows)


def assert_exactly_once_by_key(receiver: Receiver) -> None:
    """A delivery id may arrive more than once, but always with the same body."""
    bodies: dict[str, set[bytes]] = {}
    for r in receiver.received:
        bodies.setdefault(r.delivery_id, set()).add(r.body)
    assert all(len(b) == 1 for b in bodies.values()), "one delivery id carried two different bodies"


@pytest.fixture
async def e2e(aiohttp_client: Any, database_url: str, own_redis: RedisServer, receiver: Receiver) -> AsyncIterator[Api]:
    api = await start_api(aiohttp_client, make_settings(database_url, own_redis.url, receiver.url), sweeper=True)
    yield api
    await api.store.close()


async def report(api: Api, n: int) -> dict[str, Any]:
    return await api.report(text=f"第{n}个：小区门口垃圾桶满了没人清", class_id="cp-0305", location={"lat": 31.3 + n / 1000, "lon": 120.6})


async def test_report_reaches_the_platform_signed(e2e: Api, receiver: Receiver, workers: Callable[[Api], Any]) -> None:
    workers(e2e)
    result = await report(e2e, 1)
    await eventually(lambda: all_delivered(e2e, 1))
    [got] = receiver.received
    assert got.signature_ok and got.payload["case_number"] == result["case_id"]


async def test_platform_answering_500_then_200_gets_the_case(e2e: Api, receiver: Receiver, workers: Callable[[Api], Any]) -> None:
    receiver.script = [500, 502]
    workers(e2e)
    await report(e2e, 1)
    await eventually(lambda: all_delivered(e2e, 1))
    assert [r.delivery_id for r in receiver.received] == [receiver.received[0].delivery_id] * 3
    assert_exactly_once_by_key(receiver)


async def test_redis_restarted_empty_loses_nothing(e2e: Api, receiver: Receiver, own_redis: RedisServer, workers: Callable[[Api], Any]) -> None:
    for n in range(3):
        await report(e2e, n)
    own_redis.stop()
    await report(e2e, 3)  # accepted while Redis is down: committed, queued later by the sweeper
    own_redis.start()  # empty: the three queued jobs are gone
    workers(e2e)
    await eventually(lambda: all_delivered(e2e, 4), timeout=60)
    assert len(receiver.accepted()) == 4
    assert_exactly_once_by_key(receiver)


async def test_worker_killed_mid_delivery_is_redelivered_under_the_same_id(e2e: Api, receiver: Receiver, workers: Callable[[Api], Any]) -> None:
    receiver.hang = asyncio.Event()
    first = workers(e2e)
    await report(e2e, 1)
    await eventually(lambda: len(receiver.received) == 1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    receiver.hang.set()
    receiver.hang = None
    workers(e2e)
    await eventually(lambda: all_delivered(e2e, 1), timeout=60)
    ids = {r.delivery_id for r in receiver.received}
    assert len(ids) == 1 and len(receiver.received) == 2
    assert_exactly_once_by_key(receiver)


async def test_platform_down_then_back_receives_everything(aiohttp_client: Any, database_url: str, own_redis: RedisServer, workers: Callable[[Api], Any]) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/cases"
    api = await start_api(aiohttp_client, make_settings(database_url, own_redis.url, url), sweeper=True)
    try:
        workers(api)
        for n in range(5):
            await report(api, n)
        await eventually(lambda: _paused(api))
        async with running_receiver(SECRET, port=port) as receiver:
            await eventually(lambda: all_delivered(api, 5), timeout=60)
            assert len(receiver.accepted()) == 5
            assert_exactly_once_by_key(receiver)
        actions = [a.action for a in await api.store.audit_of("platform", "city")]
        assert actions[0] == "paused" and actions[-1] == "resumed"
    finally:
        await api.store.close()


async def _paused(api: Api) -> bool:
    states = await api.store.platform_states()
    return bool(states) and states[0].paused
