"""An Open311 platform: cases go out as GeoReport v2 POST requests, and a closed request closes our case.
The server on the other side is a second gateway's own /open311/v2 endpoints, on a real port."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.support.pieces import in_pieces

from gateway.casework.cases import Casework
from gateway.casework.deadlines import load_deadlines
from gateway.delivery.sender import Deliverer
from gateway.jobs import pull_statuses
from gateway.delivery.outbox import Outbox
from gateway.delivery.platforms import AnswerTooLarge, Open311Adapter
from gateway.queueing import make_queue
from gateway.settings import PlatformSettings
from gateway.store.engine import create_engine
from gateway.store.models import DeliveryRow
from gateway.store.store import Store
from classifier import load_tables
from tests.conftest import _truncate
from tests.core.conftest import Api, make_settings, start_api
from tests.core.test_callbacks import post_callback

REMOTE_KEY = "gw_remote-open311-key-0123456789"


@pytest.fixture
async def remote(aiohttp_client: Any, sqlite_url: str, redis_url: str, receiver: Any) -> AsyncIterator[tuple[Api, str]]:
    """The other side: a gateway serving Open311 on a real port, with an API key for us."""
    settings = make_settings(sqlite_url, redis_url, receiver.url).model_copy(update={"channels": ["open311"]})
    api = await start_api(aiohttp_client, settings)
    await api.store.add_api_key("neighbour", REMOTE_KEY, "client")
    yield api, str(api.client.server.make_url("/open311/v2"))
    await api.store.close()


async def test_case_goes_out_as_a_georeport_request_and_comes_back_closed(
    aiohttp_client: Any, migrated: Callable[[str], str], redis_url: str, remote: tuple[Api, str]
) -> None:
    postgres_database = migrated("postgresql")  # ours on PostgreSQL, theirs on SQLite
    _truncate(postgres_database)
    remote_api, remote_url = remote
    platform = PlatformSettings(id="open311-city", url=remote_url, secret=REMOTE_KEY, kind="open311", service_codes={"cp-0102": "cp-0102"})
    settings = make_settings(postgres_database, redis_url, None).model_copy(update={"platforms": [platform], "channels": []})
    local = await start_api(aiohttp_client, settings)
    store = Store(create_engine(postgres_database))
    deliverer = Deliverer(settings, store, make_queue(settings))
    casework = Casework(store, Outbox(settings, load_tables(), deliverer.queue), load_tables(), load_deadlines(settings, load_tables()))
    try:
        mine = await local.report(text="人行道上的污水井盖碎了", class_id="cp-0102", location={"lat": 31.3126, "lon": 120.6104})
        [row] = await local.store.deliveries()
        assert await deliverer.deliver(row.id) == "delivered", (await local.store.deliveries())[0].last_error
        refs = await store.open_platform_refs("open311-city")
        [(remote_number, case_id)] = refs.items()
        [theirs] = await (await remote_api.client.get(f"/open311/v2/requests/{remote_number}.json")).json()
        assert theirs["service_code"] == "cp-0102" and theirs["description"] == "人行道上的污水井盖碎了"
        assert await pull_statuses(deliverer, casework, "open311-city") == 0, "nothing closed yet"
        await post_callback(remote_api, {"case_id": remote_number, "status": "结案", "note": "井盖已更换"})
        assert await pull_statuses(deliverer, casework, "open311-city") == 1
        case = await (await local.client.get(f"/api/v1/cases/{mine['case_id']}", headers=local.auth())).json()
        assert case["status"] == "closed" and case["note"] == "井盖已更换"
        assert await store.open_platform_refs("open311-city") == {}
        await local.report(text="再补充一张照片", contact={"phone": "13800000000"}, class_id="cp-0102")
        assert all(r.event == "case.created" for r in await local.store.deliveries()), "GeoReport v2 has no updates to send"
    finally:
        await deliverer.close()
        await local.store.close()


def in_pieces_server(answers: dict[str, bytes]) -> web.Application:
    """A GeoReport v2 server whose answers (by method) are sent chunked, in 16 KB pieces with pauses."""

    async def answer(request: web.Request) -> web.StreamResponse:
        return await in_pieces(request, answers[request.method], "application/json",
                               status=201 if request.method == "POST" else 200, declare_length=False)

    app = web.Application()
    app.router.add_route("*", "/open311/v2/requests.json", answer)
    return app


def georeport_answer(pad: int) -> bytes:
    return json.dumps([{"service_request_id": "R-1", "status": "closed", "status_notes": "已处理", "pad": "x" * pad}]).encode()


@pytest.mark.parametrize(("pad", "delivered"), [(100_000, True), (2 * 1024 * 1024, False)])
async def test_georeport_answers_in_pieces_are_read_whole_and_a_huge_one_refused(aiohttp_server: Any, pad: int, delivered: bool) -> None:
    server = await aiohttp_server(in_pieces_server({"POST": georeport_answer(pad), "GET": georeport_answer(pad)}))
    platform = PlatformSettings(id="pieces", url=str(server.make_url("/open311/v2")), secret=REMOTE_KEY, kind="open311")
    row = DeliveryRow(id="d-1", event="case.created", payload=json.dumps({"description": "井盖碎了", "class_id": "cp-0102"}))
    adapter = Open311Adapter()
    async with aiohttp.ClientSession() as session:
        outcome = await adapter.send(session, platform, row)
        assert outcome.delivered is delivered and outcome.retryable is False
        if delivered:
            assert outcome.remote_id == "R-1"
            assert (await adapter.statuses(session, platform, ["R-1"]))["R-1"]["status"] == "closed"
        else:
            assert outcome.error and "larger than" in outcome.error
            with pytest.raises(AnswerTooLarge):
                await adapter.statuses(session, platform, ["R-1"])
