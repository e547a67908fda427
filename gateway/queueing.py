"""Redis connections and the rq queue, from settings: one server (redis_url) or the master named by Sentinel.

Every process connects through here. Behind Sentinel a connection asks the sentinels for the master's address
each time it connects, and a connection error (the master gone, or a demoted one refusing writes) drops it, so
the next command after a failover reaches the promoted replica; callers only retry as they do for a restart.
"""
from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis import Redis
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.asyncio.sentinel import SentinelManagedConnection as AsyncSentinelManagedConnection
from redis.sentinel import Sentinel, SentinelManagedConnection
from rq import Queue

from gateway.redis_address import host_and_port, sentinel_database
from gateway.settings import Settings

CONNECT_TIMEOUT_SECONDS = 5.0
COMMAND_TIMEOUT_SECONDS = 10.0
HEALTH_CHECK_SECONDS = 30


class RedisNotConfigured(RuntimeError):
    pass


class MasterConnection(SentinelManagedConnection):
    """Asks the sentinels also when a command reconnects it: redis-py would reconnect a dropped pub/sub connection
    (subscribe, unsubscribe) to the address it had, the old master's."""

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self._sock:
            self.connect()
        super().send_packed_command(command, check_health)


class AsyncMasterConnection(AsyncSentinelManagedConnection):
    """The asyncio MasterConnection."""

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if not self.is_connected:
            await self.connect()
        await super().send_packed_command(command, check_health)


class SentinelMaster(Redis):
    """The master the sentinels name; closing it closes the connections to the sentinels too."""

    sentinel: Sentinel | None = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.sentinel is not None:
                self.sentinel.close()


class AsyncSentinelMaster(aioredis.Redis):
    """The asyncio master the sentinels name; closing it closes the connections to the sentinels too."""

    sentinel: AsyncSentinel | None = None

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        try:
            await super().aclose(close_connection_pool)
        finally:
            if self.sentinel is not None:
                await self.sentinel.aclose()


def _require(settings: Settings) -> None:
    if not settings.redis_configured:
        raise RedisNotConfigured("REDIS_URL is not set, nor GATEWAY_REDIS_SENTINELS (gateway dev starts an embedded Redis; serve and worker need one)")


def _options(settings: Settings, socket_timeout: float | None, socket_connect_timeout: float,
             health_check_interval: int) -> dict[str, Any]:
    options: dict[str, Any] = {"socket_timeout": socket_timeout, "socket_connect_timeout": socket_connect_timeout,
                               "health_check_interval": health_check_interval}
    if settings.redis_password:  # settings refuse it next to a password in redis_url
        options["password"] = settings.redis_password
    return options


def _sentinel_parts(settings: Settings, options: dict[str, Any]) -> tuple[list[tuple[str, int]], dict[str, Any], dict[str, Any]]:
    """The sentinels' addresses, how to talk to them, and how to talk to the master they name."""
    database = sentinel_database(settings.redis_url)
    master = dict(options, db=database.db)
    if database.username:
        master["username"] = database.username
    if database.password is not None:
        master["password"] = database.password
    sentinel = {"socket_timeout": options["socket_connect_timeout"], "socket_connect_timeout": options["socket_connect_timeout"]}
    if settings.redis_sentinel_password:
        sentinel["password"] = settings.redis_sentinel_password
    return [host_and_port(a) for a in settings.redis_sentinels], sentinel, master


def redis_connection(settings: Settings, *, socket_timeout: float | None = COMMAND_TIMEOUT_SECONDS,
                     socket_connect_timeout: float = CONNECT_TIMEOUT_SECONDS, health_check_interval: int = HEALTH_CHECK_SECONDS) -> Redis:
    """A client for REDIS_URL (redis://, rediss:// or unix://), or for the master the sentinels name."""
    _require(settings)
    options = _options(settings, socket_timeout, socket_connect_timeout, health_check_interval)
    if not settings.redis_sentinels:
        assert settings.redis_url is not None
        return Redis.from_url(settings.redis_url, **options)
    sentinels, sentinel_options, master = _sentinel_parts(settings, options)
    assert settings.redis_sentinel_master is not None, "settings refuse sentinels without a master name"
    sentinel = Sentinel(sentinels, sentinel_kwargs=sentinel_options)
    client = sentinel.master_for(settings.redis_sentinel_master, redis_class=SentinelMaster, connection_class=MasterConnection, **master)
    client.sentinel = sentinel
    return client


def async_redis_connection(settings: Settings, *, socket_timeout: float | None = COMMAND_TIMEOUT_SECONDS,
                           socket_connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
                           health_check_interval: int = HEALTH_CHECK_SECONDS) -> aioredis.Redis:
    """The same connection for asyncio code (pub/sub listeners, the API-key cache)."""
    _require(settings)
    options = _options(settings, socket_timeout, socket_connect_timeout, health_check_interval)
    if not settings.redis_sentinels:
        assert settings.redis_url is not None
        return aioredis.Redis.from_url(settings.redis_url, **options)
    sentinels, sentinel_options, master = _sentinel_parts(settings, options)
    assert settings.redis_sentinel_master is not None, "settings refuse sentinels without a master name"
    sentinel = AsyncSentinel(sentinels, sentinel_kwargs=sentinel_options)
    client = sentinel.master_for(settings.redis_sentinel_master, redis_class=AsyncSentinelMaster,
                                 connection_class=AsyncMasterConnection, **master)
    client.sentinel = sentinel
    return client


def make_queue(settings: Settings, connection: Redis | None = None) -> Queue:
    return Queue(settings.queue_name, connection=connection or redis_connection(settings))
