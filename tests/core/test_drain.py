"""A worker's drain: a backlog sent in concurrent batches within the platform's limits, each delivery once."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from rq import Worker

from gateway.delivery.sender import Deliverer
from gateway.delivery.pacing import Pace
from gateway.delivery.payload import parse_case_number
from gateway.queueing import make_queue
from gateway.settings import Settings
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import eventually
from tests.core.conftest import Api
from tests.support.receiver import Receiver


def limited(settings: Settings, **platform: object) -> Settings:
    return settings.model_copy(update={"platforms": [settings.platforms[0].model_copy(update=platform)]})


@pytest.fixture
async def make_deliverer(api: Api) -> AsyncIterator[list[Deliverer]]:
    made: list[Deliverer] = []
    yield made
    for d in made:
        await d.close()


def deliverer(settings: Settings, made: list[Deliverer]) -> Deliverer:
    d = Deliverer(settings, Store(create_engine(settings.database_url)), make_queue(settings))
    made.append(d)
    return d


async def backlog(api: Api, count: int) -> set[str]:
    """`count` pending deliveries: one case's, and more rows with its frozen body."""
    result = await api.report(text="解放路上的路灯晚上不亮", class_id="cp-0118", location={"lat": 31.31, "lon": 120.61})
    [first] = await api.store.deliveries(case_id=parse_case_number(result["case_id"]))
    async with api.store.transaction() as tx:
        more = [tx.add_delivery(first.platform_id, first.case_id, first.event, first.payload).id for _ in range(count - 1)]
    return {first.id, *more}


async def test_a_drain_sends_the_backlog_within_the_in_flight_limit_each_once(
    api: Api, receiver: Receiver, make_deliverer: list[Deliverer]
) -> None:
    ids = await backlog(api, 30)
    d = deliverer(limited(api.settings, max_in_flight=4), make_deliverer)
    receiver.hang = asyncio.Event()
    drain = asyncio.create_task(d.drain())
    await eventually(lambda: len(receiver.received) == 4)
    assert receiver.in_flight == 4, "four at once while the platform is slow"
    receiver.hang.set()
    assert await drain == 30
    assert receiver.peak == 4, "never more than max_in_flight at once"
    assert {r.delivery_id for r in receiver.received} == ids and len(receiver.received) == 30
    assert {r.status for r in await api.store.deliveries(limit=100)} == {"delivered"}


async def test_two_workers_draining_at_once_send_each_delivery_once(api: Api, receiver: Receiver, make_deliverer: list[Deliverer]) -> None:
    ids = await backlog(api, 60)
    first, second = deliverer(api.settings, make_deliverer), deliverer(api.settings, make_deliverer)
    counts = await asyncio.gather(first.drain(), second.drain())
    assert sum(counts) == 60
    assert sorted(r.delivery_id for r in receiver.received) == sorted(ids), "every delivery sent, none twice"


async def test_a_paused_platform_is_not_drained(api: Api, receiver: Receiver, make_deliverer: list[Deliverer]) -> None:
    await backlog(api, 3)
    async with api.store.transaction() as tx:
        (await tx.platform_state("city")).paused = True
    assert await deliverer(api.settings, make_deliverer).drain() == 0
    assert receiver.received == []


async def test_the_pace_shares_the_platform_limits_among_live_workers(api: Api) -> None:
    queue = make_queue(api.settings)
    platform = limited(api.settings, max_in_flight=32, rate_per_second=5.0).platforms[0]
    pace = Pace(queue)
    assert (pace.share(platform), pace.claim(platform, 2), pace.rate(platform)) == (32, 3, 5.0)
    others = [Worker([queue], connection=queue.connection, name=f"other-{n}") for n in range(2)]
    for other in others:
        other.register_birth()
    try:
        pace = Pace(queue)
        assert (pace.share(platform), pace.claim(platform, 2), pace.rate(platform)) == (16, 2, 2.5)
    finally:
        for other in others:
            other.register_death()
    assert pace.limiter(platform) is pace.limiter(platform), "one bucket while the rate stands"
    assert pace.limiter(limited(api.settings, rate_per_second=None).platforms[0]) is None
    slow = limited(api.settings, rate_per_second=0.5).platforms[0]
    assert pace.claim(slow, 2) == 1 and pace.limiter(slow) is not None, "below one a second still sends one at a time"
