"""Redis connections and the rq queue, from settings."""
from __future__ import annotations

from redis import Redis
from rq import Queue

from gateway.settings import Settings


class RedisNotConfigured(RuntimeError):
    pass


def redis_connection(settings: Settings) -> Redis:
    """A client for REDIS_URL (redis://, rediss:// or unix://)."""
    if not settings.redis_url:
        raise RedisNotConfigured("REDIS_URL is not set (gateway dev starts an embedded Redis; serve and worker need one)")
    return Redis.from_url(settings.redis_url, health_check_interval=30, socket_connect_timeout=5, socket_timeout=10)


def make_queue(settings: Settings, connection: Redis | None = None) -> Queue:
    return Queue(settings.queue_name, connection=connection or redis_connection(settings))
