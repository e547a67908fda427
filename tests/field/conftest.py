"""Field fixtures: the gateway with a local platform, field accounts bound to grids of the sample city, enrolled phones."""
from __future__ import annotations

import io
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

from gateway.store.field import new_enrol_code, new_token
from channels.web.console.auth import hash_password
from classifier import Classifier
from gateway.delivery.sender import Deliverer
from gateway.location import Locator
from gateway.queueing import make_queue
from gateway.settings import Settings
from gateway.signing import sign
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.core.conftest import SECRET, make_settings
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (shared session fixtures)
from tests.support.receiver import Receiver

GRID = "320508001001001"        # 城西街道 幸福社区, around (31.31875, 120.60167)
NEXT_GRID = "320508001001002"
INSIDE = {"lat": 31.3185, "lon": 120.6015}
FAR = {"lat": 31.3185, "lon": 120.625}    # about 2 km east of GRID


def jpeg(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return buffer.getvalue()


def now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Phone:
    """An enrolled phone of one field account."""

    client: TestClient
    username: str
    token: str
    device_id: int
    lang: str = "zh"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": self.lang} | extra

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = self.headers(**kwargs.pop("headers", {}))
        async with self.client.request(method, f"/field/v1{path}", headers=headers, **kwargs) as resp:
            return resp.status, await resp.json()

    async def photo(self, color: str = "red") -> dict[str, str]:
        status, body = await self.call("POST", "/photos", data=jpeg(color), headers={"Content-Type": "image/jpeg"})
        assert status == 201, body
        return {"url": body["url"], "content_type": body["content_type"]}

    def report(self, photos: list[dict[str, str]], **changes: Any) -> dict[str, Any]:
        moment = now().isoformat()
        body = {"id": str(uuid.uuid4()), "note": "人行道上的井盖不见了", "fix": INSIDE | {"accuracy_m": 8.0},
                "photos": photos, "made_at": moment, "sent_at": moment}
        return body | changes


@dataclass
class Field:
    client: TestClient
    settings: Settings
    store: Store
    receiver: Receiver
    phones: list[Phone] = field(default_factory=list)

    async def phone(self, role: str = "supervisor", grids: tuple[str, ...] = (GRID,), lang: str = "zh", username: str | None = None) -> Phone:
        """A new field account bound to `grids`, with one enrolled phone."""
        name = username or f"{role}-{secrets.token_hex(3)}"
        await self.store.add_user(name, hash_password(secrets.token_urlsafe(12)), role, language=lang)
        await self.store.set_grids(name, list(grids), "test")
        code, token = new_enrol_code(), new_token()
        await self.store.add_device(name, "phone", code, now() + timedelta(minutes=5), "test")
        device = await self.store.enrol_device(code, token)
        assert device is not None
        return Phone(self.client, name, token, device.id, lang)

    async def platform(self, path: str, body: dict[str, Any], secret: str = SECRET, raw: bytes | None = None,
                       signed_at: int | None = None) -> tuple[int, Any]:
        """A signed call of the platform, as a real one makes it (signed now, or at `signed_at`: a replay sends the very
        same signature)."""
        data = raw if raw is not None else json.dumps(body).encode()
        headers = {"X-Gateway-Signature": sign(secret, data, signed_at), "Content-Type": "application/json"}
        async with self.client.post(f"/api/v1/platforms/city{path}", data=data, headers=headers) as resp:
            return resp.status, await resp.json()

    async def deliver_all(self) -> None:
        await deliver_all(self.settings, self.store)


async def deliver_all(settings: Settings, store: Store) -> None:
    """Deliver every pending delivery in this process, as a worker would."""
    deliverer = Deliverer(settings, Store(create_engine(settings.database_url)), make_queue(settings))
    try:
        for row in await store.deliveries(status="pending"):
            await deliverer.deliver(row.id)
    finally:
        await deliverer.close()


@pytest.fixture
def field_update() -> dict[str, Any]:
    """Settings a test changes."""
    return {}


@pytest.fixture
async def fieldsite(aiohttp_client: Any, database_url: str, redis_url: str, receiver: Receiver, tmp_path: Path, classifier: Classifier,  # noqa: F811
                    locator: Locator, field_update: dict[str, Any]) -> AsyncIterator[Field]:  # noqa: F811
    from gateway.app import build_app

    settings = make_settings(database_url, redis_url, receiver.url).model_copy(update={"media_dir": tmp_path / "media"} | field_update)
    client = await aiohttp_client(build_app(settings, classifier=classifier, locator=locator, sweeper=False))
    store = Store(create_engine(settings.database_url))
    yield Field(client, settings, store, receiver)
    await store.close()
