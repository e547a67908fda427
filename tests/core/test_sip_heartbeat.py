"""Calls of a SIP worker that stops beating are recorded as dropped by the sweeper, on SQLite and PostgreSQL."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis

from gateway.calls import CALL_EVENTS, live_workers, worker_heartbeat
from gateway.store.engine import create_engine
from gateway.store.store import Store
from gateway.sweeper import drop_calls_of_silent_workers


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(create_engine(database_url))
    yield store
    await store.close()


async def test_calls_of_a_silent_worker_are_dropped_and_announced(store: Store, redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    listener = client.pubsub(ignore_subscribe_messages=True)
    listener.subscribe(CALL_EVENTS)
    alive = await store.call_started("sip", "a@gw", line="12319", caller="13800000001", language="zh", worker="gw:sip-0")
    silent = await store.call_started("sip", "b@gw", line="12319-en", caller="13800000002", language="en", worker="gw:sip-1")
    worker_heartbeat(client, "gw:sip-0", 1)
    assert live_workers(client) == {"gw:sip-0": 1}

    assert await drop_calls_of_silent_workers(store, client, redis_age_needed=10**9) == [], "a young Redis has lost the beats"
    assert await drop_calls_of_silent_workers(store, client, redis_age_needed=0) == [silent.id]
    assert (await store.call(silent.id)).outcome == "dropped"
    assert (await store.call(alive.id)).state == "ringing"
    event = next((m for m in (listener.get_message(timeout=0.2) for _ in range(50)) if m is not None), None)
    assert event is not None and b'"kind":"dropped"' in event["data"] and b'"language":"en"' in event["data"]
    assert await drop_calls_of_silent_workers(store, client, redis_age_needed=0) == []
    listener.close()
    client.close()
