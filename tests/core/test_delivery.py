"""The outbox's sending side run in-process: signatures, retries, dead letters, the circuit breaker."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator

import jsonschema
import pytest
from rq.job import Job

from gateway.api.schema import case_schema
from gateway.delivery.sender import Deliverer
from gateway.delivery.payload import parse_case_number
from gateway.queueing import make_queue
from gateway.store.engine import create_engine
from gateway.store.store import Store, as_utc, utcnow
from tests.core.conftest import Api
from tests.support.receiver import Receiver


@pytest.fixture
async def deliverer(api: Api) -> AsyncIterator[Deliverer]:
    d = Deliverer(api.settings, Store(create_engine(api.settings.database_url)), make_queue(api.settings))
    yield d
    await d.close()


async def new_case(api: Api) -> tuple[str, str]:
    result = await api.report(text="解放路上的路灯晚上不亮", class_id="cp-0118", location={"lat": 31.31, "lon": 120.61})
    rows = await api.store.deliveries(case_id=parse_case_number(result["case_id"]))
    return result["case_id"], rows[0].id


async def test_delivery_is_signed_and_matches_the_published_schema(api: Api, deliverer: Deliverer, receiver: Receiver) -> None:
    number, delivery_id = await new_case(api)
    assert Job.exists(f"deliver-{delivery_id}", connection=deliverer.queue.connection), "queued after commit"
    assert await deliverer.deliver(delivery_id) == "delivered"
    [got] = receiver.received
    assert got.signature_ok and got.delivery_id == delivery_id and got.event == "case.created"
    jsonschema.validate(got.payload, case_schema())
    assert got.payload["case_number"] == number
    assert got.payload["class"] == {"kind": "component", "major_code": "01", "major_name": "公用设施", "minor_code": "0118", "minor_name": "路灯", "edition": "gbt30428-2013"}
    assert got.payload["source"] == {"channel": "api", "case_source": "公众举报"}
    assert await deliverer.deliver(delivery_id) == "delivered", "a second run is a no-op"
    assert len(receiver.received) == 1


async def test_server_error_is_retried_with_the_same_id_and_body(api: Api, deliverer: Deliverer, receiver: Receiver) -> None:
    receiver.script = [500, 503]
    _, delivery_id = await new_case(api)
    assert await deliverer.deliver(delivery_id) == "retry"
    [row] = await api.store.deliveries()
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code == 500
    assert deliverer.queue.scheduled_job_registry.count == 1, "retry scheduled in rq"
    assert await deliverer.deliver(delivery_id) == "retry"
    assert await deliverer.deliver(delivery_id) == "delivered"
    assert {r.delivery_id for r in receiver.received} == {delivery_id}
    assert len({r.body for r in receiver.received}) == 1


@pytest.mark.parametrize("status, outcome", [(400, "dead"), (404, "dead"), (422, "dead"), (408, "retry"), (429, "retry")])
async def test_client_errors_go_to_dead_letters_except_408_and_429(api: Api, deliverer: Deliverer, receiver: Receiver, status: int, outcome: str) -> None:
    receiver.script = [status]
    _, delivery_id = await new_case(api)
    assert await deliverer.deliver(delivery_id) == outcome


async def test_dead_letters_are_listed_and_replayed(api: Api, deliverer: Deliverer, receiver: Receiver) -> None:
    receiver.script = [400]
    _, delivery_id = await new_case(api)
    assert await deliverer.deliver(delivery_id) == "dead"
    resp = await api.client.get("/api/v1/deliveries?status=dead", headers=api.auth("admin"))
    assert [d["delivery_id"] for d in (await resp.json())["items"]] == [delivery_id]
    assert (await api.client.get("/api/v1/deliveries?status=dead", headers=api.auth("client"))).status == 403
    resp = await api.client.post(f"/api/v1/deliveries/{delivery_id}/replay", headers=api.auth("admin"))
    assert resp.status == 200 and (await resp.json())["status"] == "pending"
    assert (await api.client.post(f"/api/v1/deliveries/{delivery_id}/replay", headers=api.auth("admin"))).status == 409
    assert await deliverer.deliver(delivery_id) == "delivered"
    assert [r.delivery_id for r in receiver.received] == [delivery_id, delivery_id]


async def test_repeated_failures_pause_the_platform_and_a_probe_resumes_it(api: Api, deliverer: Deliverer, receiver: Receiver) -> None:
    receiver.script = [500, 500, 500, 500]
    ids = [(await new_case(api))[1] for _ in range(4)]
    assert [await deliverer.deliver(i) for i in ids[:3]] == ["retry"] * 3
    [state] = await api.store.platform_states()
    assert state.paused, "breaker open after 3 consecutive failures"
    assert await deliverer.deliver(ids[3]) == "paused", "nothing is attempted while paused"
    assert len(receiver.received) == 3
    assert await deliverer.probe("city") == "retry", "failed probe keeps it paused"
    [state] = await api.store.platform_states()
    assert state.paused and state.probe_interval == 1.0, "probe interval doubles"
    assert await deliverer.probe("city") == "delivered"
    [state] = await api.store.platform_states()
    assert not state.paused
    assert "gateway.jobs.drain" in [j.func_name for j in deliverer.queue.jobs], "a drain of everything pending is queued on resume"
    pending = await api.store.deliveries(status="pending")
    assert pending and all(as_utc(r.next_attempt_at) <= utcnow() for r in pending), "what waited for the platform is due at once"
    for i in ids:
        await deliverer.deliver(i)
    assert set(receiver.accepted()) == set(ids)
    actions = [a.action for a in await api.store.audit_of("platform", "city")]
    assert actions == ["paused", "resumed"]


async def test_sweeper_requeues_lost_jobs_but_leaves_a_disabled_platform_alone(api: Api, deliverer: Deliverer) -> None:
    from gateway.sweeper import sweep_once

    _, delivery_id = await new_case(api)
    deliverer.queue.connection.flushall()  # Redis restarted empty: the job is gone, the row is not
    due = api.settings.model_copy(update={"delivery": api.settings.delivery.model_copy(update={"sweep_interval": 0.0})})
    assert await sweep_once(due, api.store, deliverer.queue) == 1
    assert deliverer.queue.get_job_ids() == [f"deliver-{delivery_id}"]
    deliverer.queue.connection.flushall()
    disabled = due.model_copy(update={"platforms": [p.model_copy(update={"enabled": False}) for p in due.platforms]})
    assert await sweep_once(disabled, api.store, deliverer.queue) == 0
    assert deliverer.queue.get_job_ids() == []


async def test_a_class_without_counterpart_in_the_platform_edition_is_sent_flagged_with_another_edition(
    aiohttp_client: object, sqlite_url: str, redis_url: str, receiver: Receiver
) -> None:
    from classifier import load_tables
    from tests.core.conftest import make_settings, start_api

    tables = load_tables()
    unmapped = next(c.class_id for c in tables.classes() if tables.render(c.class_id, "gbt47678-2026") is None and tables.render(c.class_id, "gbt30428-2013"))
    settings = make_settings(sqlite_url, redis_url, receiver.url)
    settings = settings.model_copy(update={"platforms": [settings.platforms[0].model_copy(update={"edition": "gbt47678-2026"})]})
    api = await start_api(aiohttp_client, settings)
    try:
        await api.report(text="宣传栏坏了", class_id=unmapped)
        [row] = await api.store.deliveries()
        payload = json.loads(row.payload)
        assert payload["class_unmapped"] is True and payload["class_id"] == unmapped
        assert payload["class"]["edition"] == "gbt30428-2013" and payload["class"]["minor_code"]
        jsonschema.validate(payload, case_schema())
    finally:
        await api.store.close()
