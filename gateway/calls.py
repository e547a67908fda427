"""Call events on Redis pub/sub: SIP workers and Twilio lines publish, agents' screens and the admin console listen."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from redis import Redis

from gateway.queueing import async_redis_connection
from gateway.settings import Settings
from gateway.store.clock import utcnow

CALL_EVENTS = "gateway:call-events"
WORKER_KEY = "gateway:sip-worker:"
"""+ the worker's name: present while that SIP worker lives (refreshed every HEARTBEAT_SECONDS, expires after WORKER_TTL_SECONDS)."""
HEARTBEAT_SECONDS = 5
WORKER_TTL_SECONDS = 20

CallEventKind = Literal["ringing", "answered", "handed_off", "voicemail_recorded", "status_lookup", "hung_up", "dropped"]


class CallEvent(BaseModel):
    """What happened on one call; `call_id` is the id of its row in the calls table."""

    kind: CallEventKind
    call_id: int
    channel: Literal["sip", "twilio"]
    line: str = Field(description="The number dialled")
    caller: str | None
    language: Literal["zh", "en"]
    worker: str | None = None
    at: datetime = Field(default_factory=utcnow)
    detail: dict[str, Any] = {}


def publish_call_event(redis: Redis, event: CallEvent) -> int:
    """Publish to every listener; the number that received it."""
    return int(redis.publish(CALL_EVENTS, event.model_dump_json()))


def worker_heartbeat(redis: Redis, name: str, calls: int) -> None:
    """Say that SIP worker `name` is alive and how many calls it holds."""
    redis.set(WORKER_KEY + name, str(calls), ex=WORKER_TTL_SECONDS)


def live_workers(redis: Redis) -> dict[str, int]:
    """SIP workers that beat recently, and their calls."""
    keys = list(redis.scan_iter(match=WORKER_KEY + "*", count=100))
    values = redis.mget(keys) if keys else []
    return {key.decode().removeprefix(WORKER_KEY): int(value) for key, value in zip(keys, values) if value is not None}


async def call_events(settings: Settings) -> AsyncIterator[CallEvent]:
    """Every call event from now on, until the consumer stops iterating (or the connection is lost for good)."""
    client = async_redis_connection(settings, socket_timeout=None, health_check_interval=0)
    pubsub = client.pubsub()
    await pubsub.subscribe(CALL_EVENTS)
    try:
        async for message in pubsub.listen():
            if message["type"] == "message":
                yield CallEvent.model_validate_json(message["data"])
    finally:
        await pubsub.unsubscribe(CALL_EVENTS)
        await pubsub.aclose()
        await client.aclose()
