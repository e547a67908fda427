"""Platform adapters: each knows one wire format and has the same `send` contract."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp

from gateway.settings import PlatformSettings
from gateway.signing import sign
from gateway.store.models import DeliveryRow

USER_AGENT = "intake-gateway/0.1"


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: delivered, worth retrying, or refused for good."""

    delivered: bool
    retryable: bool
    status_code: int | None = None
    error: str | None = None


def outcome_of_status(status: int, body: str) -> Outcome:
    if 200 <= status < 300:
        return Outcome(True, False, status)
    retryable = status >= 500 or status in (408, 429)
    return Outcome(False, retryable, status, f"HTTP {status}: {body[:200]}")


class WebhookAdapter:
    """The generic signed webhook (X-Gateway-Event / -Delivery / -Signature)."""

    async def send(self, session: aiohttp.ClientSession, platform: PlatformSettings, delivery: DeliveryRow) -> Outcome:
        body = delivery.payload.encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Gateway-Event": delivery.event,
            "X-Gateway-Delivery": delivery.id,
            "X-Gateway-Signature": sign(platform.secret, body),
        }
        try:
            async with session.post(str(platform.url), data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=platform.timeout)) as resp:
                return outcome_of_status(resp.status, await resp.text(errors="replace"))
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return Outcome(False, True, None, f"{type(exc).__name__}: {exc}"[:300])


ADAPTERS = {"webhook": WebhookAdapter()}
