"""WeChat fixtures: a local WeChat API and the gateway with the WeChat channel, real classifier and city."""
from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from rq import Queue

from channels.messaging.wechat.outbound import deliver_replies
from classifier import Classifier
from gateway.location import Locator
from gateway.queueing import make_queue
from gateway.settings import Settings, WechatSettings
from tests.core.conftest import Api, make_settings, start_api
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (session fixtures)
from tests.support.receiver import Receiver, running_receiver
from tests.wechat.api_server import WechatApiServer, running_wechat_api
from tests.wechat.users import User

APP_ID = "wx5f0c2d1e9a8b7c6d"
APP_SECRET = "app-secret-for-the-local-wechat-api"
TOKEN = "cityReportToken2026"
AES_KEY = "Kx7mQ2pL9vR4tY8wZ3nB6cF1hJ5dG0sA2eU7iO4kM9q"
_openids = (f"oUser{n:023d}" for n in itertools.count(1))


@pytest.fixture
async def platform() -> AsyncIterator[Receiver]:
    from tests.core.conftest import SECRET

    async with running_receiver(SECRET) as receiver:
        yield receiver


@pytest.fixture
async def wechat_api() -> AsyncIterator[WechatApiServer]:
    async with running_wechat_api(APP_ID, APP_SECRET) as server:
        yield server


def wechat_settings(database_url: str, redis_url: str, receiver_url: str, api_url: str, media_dir: Path, **options: Any) -> Settings:
    settings = make_settings(database_url, redis_url, receiver_url)
    wechat = WechatSettings(token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET, api_base_url=api_url, **options)
    return settings.model_copy(update={"channels": ["messaging.wechat"], "wechat": wechat, "media_dir": media_dir,
                                       "public_base_url": "http://gateway.test"})


@dataclass
class Gateway:
    api: Api
    wechat_api: WechatApiServer

    @property
    def config(self) -> WechatSettings:
        assert self.api.settings.wechat is not None
        return self.api.settings.wechat

    def user(self) -> User:
        return User(self.api.client, self.config, next(_openids))

    async def case(self, number: str) -> dict[str, Any]:
        resp = await self.api.client.get(f"/api/v1/cases/{number}", headers=self.api.auth())
        assert resp.status == 200, await resp.text()
        return await resp.json()

    def queue(self) -> Queue:
        return make_queue(self.api.settings)

    async def send_queued_replies(self) -> int:
        """Run the queued customer-service jobs here, as a worker would; how many ran."""
        queue, ran = self.queue(), 0
        for job in queue.jobs:
            if job.func_name == "channels.messaging.wechat.outbound.send_replies":
                await deliver_replies(self.api.settings, redis.Redis.from_url(self.api.settings.redis_url or ""), *job.args)
                job.delete()
                ran += 1
        return ran


StartGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def start_gateway(
    aiohttp_client: Any, tmp_path: Path, redis_url: str, platform: Receiver, wechat_api: WechatApiServer,
    classifier: Classifier, locator: Locator,  # noqa: F811
) -> AsyncIterator[StartGateway]:
    stores = []

    async def start(database_url: str, **options: Any) -> Gateway:
        settings = wechat_settings(database_url, redis_url, platform.url, wechat_api.url, tmp_path / "media", **options)
        api = await start_api(aiohttp_client, settings, classifier=classifier, locator=locator)
        stores.append(api.store)
        return Gateway(api, wechat_api)

    yield start
    for store in stores:
        await store.close()


@pytest.fixture
async def gateway(start_gateway: StartGateway, sqlite_url: str) -> Gateway:
    return await start_gateway(sqlite_url)


@pytest.fixture
async def safe_gateway(start_gateway: StartGateway, sqlite_url: str) -> Gateway:
    """The account in safe mode: every callback and reply encrypted."""
    return await start_gateway(sqlite_url, encoding_aes_key=AES_KEY)
