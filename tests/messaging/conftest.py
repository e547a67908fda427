"""Telegram fixtures: a local Bot API server and the gateway with the Telegram channel, real classifier and city."""
from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from classifier import Classifier
from gateway.app import build_app
from gateway.location import Locator
from gateway.settings import Settings, TelegramSettings
from tests.core.conftest import SECRET, Api, make_settings, start_api
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (session fixtures)
from tests.messaging.botapi import BotApiServer, running_bot_api
from tests.messaging.updates import Citizen
from tests.support.receiver import Receiver, running_receiver

TOKEN = "7000000001:AAtest-token-for-the-local-bot-api"
WEBHOOK_SECRET = "webhook-secret-0123456789"
_chat_ids = itertools.count(51_000_001)


@pytest.fixture
async def platform() -> AsyncIterator[Receiver]:
    """The supervision platform the gateway forwards cases to."""
    async with running_receiver(SECRET) as receiver:
        yield receiver


@pytest.fixture
async def bot_api() -> AsyncIterator[BotApiServer]:
    async with running_bot_api(TOKEN) as server:
        yield server


def telegram_settings(database_url: str, redis_url: str, receiver_url: str, bot_api_url: str, media_dir: Path, **limits: Any) -> Settings:
    settings = make_settings(database_url, redis_url, receiver_url)
    telegram = TelegramSettings(token=TOKEN, webhook_secret=WEBHOOK_SECRET, api_base_url=bot_api_url, **limits)
    return settings.model_copy(update={"channels": ["messaging.telegram"], "telegram": telegram, "media_dir": media_dir,
                                       "public_base_url": "http://gateway.test"})


@dataclass
class Gateway:
    """The gateway under test with its API helpers, and a way to open chats against it."""

    api: Api
    bot_api: BotApiServer
    classifier: Classifier
    locator: Locator

    def citizen(self, client: TestClient | None = None, **who: Any) -> Citizen:
        return Citizen(client or self.api.client, self.bot_api, WEBHOOK_SECRET, next(_chat_ids), **who)

    async def case(self, number: str) -> dict[str, Any]:
        resp = await self.api.client.get(f"/api/v1/cases/{number}", headers=self.api.auth())
        assert resp.status == 200, await resp.text()
        return await resp.json()


StartGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def start_gateway(
    aiohttp_client: Any, tmp_path: Path, redis_url: str, platform: Receiver, bot_api: BotApiServer,
    classifier: Classifier, locator: Locator,  # noqa: F811
) -> AsyncIterator[StartGateway]:
    stores = []

    async def start(database_url: str, **limits: Any) -> Gateway:
        settings = telegram_settings(database_url, redis_url, platform.url, bot_api.url, tmp_path / "media", **limits)
        api = await start_api(aiohttp_client, settings, classifier=classifier, locator=locator)
        stores.append(api.store)
        return Gateway(api, bot_api, classifier, locator)

    yield start
    for store in stores:
        await store.close()


@pytest.fixture
async def gateway(start_gateway: StartGateway, sqlite_url: str) -> Gateway:
    return await start_gateway(sqlite_url)


async def restarted(aiohttp_client: Any, gateway: Gateway) -> TestClient:
    """Stop the gateway's app and start a new one on the same settings (Redis and database kept)."""
    await gateway.api.client.close()
    return await aiohttp_client(build_app(gateway.api.settings, classifier=gateway.classifier, locator=gateway.locator, sweeper=False))
