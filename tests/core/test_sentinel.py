"""Redis behind Sentinel: the settings that name it, and a gateway and a worker that follow a failover unrestarted."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
import redis
import yaml
from pydantic import ValidationError

from gateway.queueing import SentinelMaster, async_redis_connection, redis_connection
from gateway.settings import Settings, load_settings
from tests.conftest import eventually
from tests.core.conftest import Api, make_settings, start_api
from tests.core.test_end_to_end import all_delivered, report
from tests.core.test_worker_faults import WorkerProcess, workers  # noqa: F401  (the fixture)
from tests.support.receiver import Receiver
from tests.support.sentinel import SERVICE, SentinelSite

RULES_CHANNEL = "gateway:rules"


def sentinel_settings(tmp_path: Path, data: dict[str, Any]) -> Settings:
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_settings(path)


def test_sentinels_from_the_environment_comma_separated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("GATEWAY_REDIS_SENTINELS", "sentinel-1:26379, sentinel-2:26379,[::1]:26380")
    monkeypatch.setenv("GATEWAY_REDIS_SENTINEL_MASTER", "gateway")
    monkeypatch.setenv("GATEWAY_REDIS_SENTINEL_PASSWORD", "sentinel-secret")
    monkeypatch.setenv("GATEWAY_REDIS_PASSWORD", "master-secret")
    monkeypatch.setenv("REDIS_URL", "redis:///3")
    settings = sentinel_settings(tmp_path, {})
    assert settings.redis_sentinels == ["sentinel-1:26379", "sentinel-2:26379", "[::1]:26380"]
    assert settings.redis_sentinel_master == "gateway" and settings.redis_configured
    client = redis_connection(settings)
    try:
        pool = client.connection_pool
        assert isinstance(client, SentinelMaster) and pool.service_name == "gateway"  # type: ignore[attr-defined]
        assert pool.connection_kwargs["db"] == 3 and pool.connection_kwargs["password"] == "master-secret"
        assert [s.connection_pool.connection_kwargs["password"] for s in client.sentinel.sentinels] == ["sentinel-secret"] * 3  # type: ignore[union-attr]
        assert [s.connection_pool.connection_kwargs["host"] for s in client.sentinel.sentinels] == ["sentinel-1", "sentinel-2", "::1"]  # type: ignore[union-attr]
    finally:
        client.close()


def test_the_file_gives_sentinels_as_a_list_and_the_url_only_database_and_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = sentinel_settings(tmp_path, {"redis_sentinels": ["10.0.0.1:26379", "10.0.0.2:26379"], "redis_sentinel_master": "gw",
                                            "redis_url": "redis://:pass%40word@/2"})
    client = redis_connection(settings)
    try:
        assert client.connection_pool.connection_kwargs["db"] == 2 and client.connection_pool.connection_kwargs["password"] == "pass@word"
    finally:
        client.close()


@pytest.mark.parametrize(("data", "message"), [
    ({"redis_sentinels": ["s1:26379"]}, "redis_sentinel_master is not"),
    ({"redis_sentinel_master": "gw"}, "redis_sentinels is not"),
    ({"redis_sentinel_password": "x", "redis_url": "redis://127.0.0.1:6379/0"}, "redis_sentinel_password is set but redis_sentinels is not"),
    ({"redis_sentinels": ["s1"], "redis_sentinel_master": "gw"}, "'s1' is not host:port"),
    ({"redis_sentinels": ["s1:0"], "redis_sentinel_master": "gw"}, "'s1:0' is not host:port"),
    ({"redis_sentinels": ["s1:26379", "s1:26379"], "redis_sentinel_master": "gw"}, "names a sentinel twice"),
    ({"redis_sentinels": ["s1:26379"], "redis_sentinel_master": "gw", "redis_url": "redis://redis:6379/0"}, "redis_url names no host"),
    ({"redis_sentinels": ["s1:26379"], "redis_sentinel_master": "gw", "redis_url": "rediss:///0"}, "rediss:// is not used with sentinels"),
    ({"redis_sentinels": ["s1:26379"], "redis_sentinel_master": "gw", "redis_url": "redis:///zero"}, "ends in a database number"),
    ({"redis_sentinels": ["s1:26379"], "redis_sentinel_master": "gw", "redis_url": "redis:///0?ssl=true"}, "takes no options"),
    ({"redis_url": "redis://:one@127.0.0.1:6379/0", "redis_password": "two"}, "keep one"),
    ({"redis_password": "two"}, "neither redis_url nor redis_sentinels"),
])
def test_bad_combinations_are_refused_at_start_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 data: dict[str, Any], message: str) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ValidationError, match=message.replace("?", r"\?")):
        sentinel_settings(tmp_path, data)


def test_empty_environment_values_leave_sentinels_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docker-compose passes `${GATEWAY_REDIS_SENTINELS:-}`: empty means one Redis named by REDIS_URL."""
    for name in ("GATEWAY_REDIS_SENTINELS", "GATEWAY_REDIS_SENTINEL_MASTER", "GATEWAY_REDIS_SENTINEL_PASSWORD", "GATEWAY_REDIS_PASSWORD"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    settings = sentinel_settings(tmp_path, {})
    assert settings.redis_sentinels == [] and settings.redis_sentinel_master is None and settings.redis_password is None


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SentinelSite]:
    directory = tmp_path / "redis"
    directory.mkdir()
    site = SentinelSite(directory)
    try:
        site.start()
        yield site
    finally:
        site.stop()


@pytest.fixture
async def gateway(site: SentinelSite, receiver: Receiver, aiohttp_client: Any, sqlite_url: str) -> AsyncIterator[Api]:
    base = make_settings(sqlite_url, None, receiver.url)  # type: ignore[arg-type]
    settings = Settings.model_validate(base.model_dump() | {"redis_sentinels": site.sentinels, "redis_sentinel_master": SERVICE})
    api = await start_api(aiohttp_client, settings, sweeper=True)
    yield api
    await api.store.close()


async def subscribers(settings: Settings, channel: str) -> int:
    """Listeners of `channel` on the master the sentinels name now."""
    client = async_redis_connection(settings)
    try:
        return int(dict(await client.pubsub_numsub(channel))[channel.encode()])
    finally:
        await client.aclose()


def dropped(call: Callable[[], Any]) -> bool:
    """True once `call` fails for want of a master (the old one gone, or the sentinels not yet agreed)."""
    try:
        call()
    except redis.ConnectionError:
        return True
    return False


@pytest.mark.slow
async def test_pubsub_connections_dropped_by_a_failover_subscribe_again_on_the_new_master(site: SentinelSite) -> None:
    settings = Settings(redis_sentinels=site.sentinels, redis_sentinel_master=SERVICE)
    sync, asyncio_client = redis_connection(settings), async_redis_connection(settings, socket_timeout=None)
    listener, async_listener = sync.pubsub(), asyncio_client.pubsub()
    try:
        listener.subscribe("sync-channel")
        await async_listener.subscribe("async-channel")
        site.kill_master()
        await eventually(lambda: dropped(lambda: listener.get_message(timeout=0.1)), timeout=60)

        async def async_dropped() -> bool:
            try:
                await async_listener.get_message(timeout=0.1)
            except redis.ConnectionError:
                return True
            return False

        await eventually(async_dropped, timeout=60)
        await eventually(lambda: site.master_named() == site.replica_port, timeout=120)
        listener.subscribe("sync-later")  # a command on the dropped connection: it asks the sentinels, not the old address
        await async_listener.subscribe("async-later")
        new_master = site.client(site.replica_port)
        await eventually(lambda: dict(new_master.pubsub_numsub("sync-channel", "sync-later", "async-channel", "async-later"))
                         == {b"sync-channel": 1, b"sync-later": 1, b"async-channel": 1, b"async-later": 1}, timeout=60)
        new_master.publish("sync-channel", "to the new master")
        await eventually(lambda: (m := listener.get_message(timeout=0.1, ignore_subscribe_messages=True)) and m["data"] == b"to the new master", timeout=60)
    finally:
        listener.close()
        await async_listener.aclose()
        sync.close()
        await asyncio_client.aclose()


@pytest.mark.slow
async def test_a_failover_is_followed_without_a_restart_and_every_accepted_report_is_delivered(
    gateway: Api, site: SentinelSite, receiver: Receiver, workers: Callable[[Api], WorkerProcess]  # noqa: F811
) -> None:
    worker = workers(gateway)
    for n in range(1, 4):
        await report(gateway, n)
    await eventually(lambda: all_delivered(gateway, 3), timeout=120)
    assert site.master_named() == site.master_port
    await eventually(lambda: subscribers(gateway.settings, RULES_CHANNEL), timeout=60)

    site.kill_master()
    for n in range(4, 6):  # taken while the sentinels have not yet agreed: SQL holds them, the sweeper queues them later
        await report(gateway, n)
    await eventually(lambda: site.master_named() == site.replica_port, timeout=120)
    for n in range(6, 9):
        await report(gateway, n)

    await eventually(lambda: all_delivered(gateway, 8), timeout=180)
    assert worker.alive(), worker.log
    assert len(receiver.accepted()) == 8 and all(r.signature_ok for r in receiver.received)
    assert site.client(site.replica_port).info("replication")["role"] == "master"
    # The serving process's rule listener is subscribed again, on the promoted master.
    await eventually(lambda: subscribers(gateway.settings, RULES_CHANNEL), timeout=60)
