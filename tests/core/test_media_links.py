"""Platforms fetch a caller's recording by the signed, expiring link in the payload, without any session."""
from __future__ import annotations

import io
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from gateway.api.auth import new_api_key
from gateway.app import build_app
from gateway.delivery.sender import Deliverer
from gateway.media import LINK_SECRET_SETTING, MediaStore, signed_link
from gateway.queueing import make_queue
from gateway.settings import Settings
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import free_port
from tests.core.conftest import Api, make_settings
from tests.support.receiver import Receiver


def recording() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x10\x20" * 8000)
    return out.getvalue()


@pytest.fixture
async def gateway(aiohttp_client: Any, tmp_path: Path, database_url: str, redis_url: str, receiver: Receiver) -> AsyncIterator[Api]:
    """The gateway on a real port that its public_base_url names, as a platform reaches it."""
    port = free_port()
    settings = make_settings(database_url, redis_url, receiver.url).model_copy(
        update={"media_dir": tmp_path / "media", "public_base_url": f"http://127.0.0.1:{port}"})
    client = await aiohttp_client(build_app(settings, sweeper=False), server_kwargs={"port": port})
    store = Store(create_engine(settings.database_url))
    keys = {role: new_api_key() for role in ("client", "agent")}
    for role, key in keys.items():
        await store.add_api_key(f"test-{role}", key, role)
    yield Api(client, settings, store, keys)
    await store.close()


async def delivered_payload(api: Api, receiver: Receiver) -> dict[str, Any]:
    """Deliver the one outbox row to the platform (as a worker would) and return what the platform received."""
    deliverer = Deliverer(api.settings, Store(create_engine(api.settings.database_url)), make_queue(api.settings))
    try:
        [row] = await api.store.deliveries()
        assert await deliverer.deliver(row.id) == "delivered"
    finally:
        await deliverer.close()
    [received] = receiver.received
    assert received.signature_ok
    return received.payload


async def fetch(url: str) -> tuple[int, bytes, dict[str, Any]]:
    """A GET by the platform: a plain HTTP client, no cookie, no key."""
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        body = await resp.read()
        return resp.status, body, dict(resp.headers)


async def test_a_voicemail_recording_reaches_the_platform_as_a_link_it_can_fetch(gateway: Api, receiver: Receiver) -> None:
    data = recording()
    stored = MediaStore(gateway.settings.media_dir).save_recording(data, "audio/wav")
    console_link = f"{gateway.settings.public_base_url}/console/recordings/{stored.name}"
    before = int(time.time())
    await gateway.report("agent", text="市民留言：人民路上有个井盖不见了", class_id="cp-0102", channel="hotline",
                         media=[{"url": console_link, "content_type": "audio/wav"}])
    payload = await delivered_payload(gateway, receiver)
    [item] = payload["media"]
    assert item["content_type"] == "audio/wav" and "/console/" not in item["url"]
    expires = int(parse_qs(urlsplit(item["url"]).query)["expires"][0])
    days = gateway.settings.delivery.media_link_days
    assert before + days * 86400 <= expires <= int(time.time()) + days * 86400 + 1

    status, body, headers = await fetch(item["url"])
    assert status == 200 and body == data
    assert headers["Content-Type"] == "audio/wav" and headers["Cache-Control"].startswith("private")
    status, _, _ = await fetch(console_link)
    assert status != 200, "the console's own link still needs a login"


async def secret_of(api: Api) -> str:
    async with api.store.transaction() as tx:
        return await tx.server_secret(LINK_SECRET_SETTING)


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_an_expired_or_tampered_link_is_refused(gateway: Api, lang: str) -> None:
    stored = MediaStore(gateway.settings.media_dir).save_recording(recording(), "audio/wav")
    other = MediaStore(gateway.settings.media_dir).save_recording(recording()[:-2] + b"\x00\x00", "audio/wav")
    base, secret = gateway.settings.public_base_url, await secret_of(gateway)
    good = signed_link(base, secret, stored.name, int(time.time()) + 3600)
    assert (await fetch(good))[0] == 200
    expired = signed_link(base, secret, stored.name, int(time.time()) - 1)
    later = good.replace("expires=", "expires=9")  # the expiry pushed out without the key
    moved = good.replace(stored.name, other.name)  # another recording with this link's signature
    forged = signed_link(base, "not-the-servers-secret", stored.name, int(time.time()) + 3600)
    unsigned = good.split("?", 1)[0]
    headers = {"Accept-Language": lang}
    async with aiohttp.ClientSession(headers=headers) as session:
        for url, code in ((expired, "media_link_expired"), (later, "media_link_invalid"), (moved, "media_link_invalid"),
                          (forged, "media_link_invalid"), (unsigned, "media_link_invalid")):
            async with session.get(url) as resp:
                assert resp.status == 403, url
                error = (await resp.json())["error"]
                assert error["code"] == code and resp.headers["Content-Language"] == lang, (url, error)


async def test_photos_stay_public_and_unchanged_in_the_payload(gateway: Api, receiver: Receiver) -> None:
    photo = f"{gateway.settings.public_base_url}/media/{'a' * 64}.jpg"
    await gateway.report("agent", text="人民路上有个井盖不见了", class_id="cp-0102", media=[{"url": photo, "content_type": "image/jpeg"}])
    assert (await delivered_payload(gateway, receiver))["media"] == [{"url": photo, "content_type": "image/jpeg"}]


def test_links_must_outlast_the_retry_window() -> None:
    with pytest.raises(ValueError, match="media_link_days"):
        Settings(delivery={"media_link_days": 1, "retry_window_hours": 48})
