"""Core fixtures: settings around real parts, the app under an HTTP client, API keys."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from gateway.api.auth import new_api_key
from gateway.app import build_app
from gateway.delivery.sender import Deliverer
from gateway.queueing import make_queue
from gateway.settings import DeliverySettings, PlatformSettings, Settings
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import SECRET, RedisServer
from tests.support.receiver import Receiver



def make_settings(database_url: str, redis_url: str, receiver_url: str | None, **delivery: Any) -> Settings:
    timing = {"backoff_base": 0.2, "backoff_max": 1.0, "breaker_failures": 3, "probe_interval": 0.5, "sweep_interval": 0.3, "stale_claim_seconds": 2.0}
    platforms = [PlatformSettings(id="city", url=receiver_url, secret=SECRET, edition="gbt30428-2013")] if receiver_url else []
    return Settings(database_url=database_url, redis_url=redis_url, platforms=platforms, delivery=DeliverySettings(**(timing | delivery)))


@dataclass
class Api:
    client: TestClient
    settings: Settings
    store: Store
    keys: dict[str, str]

    def auth(self, role: str = "client", lang: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.keys[role]}"}
        if lang:
            headers["Accept-Language"] = lang
        return headers

    async def report(self, role: str = "client", **body: Any) -> Any:
        resp = await self.client.post("/api/v1/reports", json=body, headers=self.auth(role))
        assert resp.status in (200, 201), await resp.text()
        return await resp.json()


async def start_api(aiohttp_client: Any, settings: Settings, **parts: Any) -> Api:
    client = await aiohttp_client(build_app(settings, **({"sweeper": False} | parts)))
    store = Store(create_engine(settings.database_url))
    keys = {}
    for role in ("client", "agent", "admin"):
        keys[role] = new_api_key()
        await store.add_api_key(f"test-{role}", keys[role], role)
    return Api(client, settings, store, keys)


@pytest.fixture
async def api(aiohttp_client: Any, database_url: str, redis_url: str, receiver: Receiver) -> AsyncIterator[Api]:
    api = await start_api(aiohttp_client, make_settings(database_url, redis_url, receiver.url))
    yield api
    await api.store.close()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis server of the test's own, to stop and start."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


async def deliver_all(api: Api) -> None:
    """Deliver every pending delivery in this process, as a worker would."""
    d = Deliverer(api.settings, Store(create_engine(api.settings.database_url)), make_queue(api.settings))
    try:
        for row in await api.store.deliveries(status="pending"):
            await d.deliver(row.id)
    finally:
        await d.close()
