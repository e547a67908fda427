"""Platform adapters: each knows one wire format and has the same `send` contract."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from gateway.bodies import BodyTooLarge, response_text
from gateway.settings import PlatformSettings
from gateway.signing import sign
from gateway.store.models import DeliveryRow

USER_AGENT = "intake-gateway/0.1"
MAX_ANSWER_BYTES = 1024 * 1024  # what a platform answers is read whole up to this; only a few KB are expected


class AnswerTooLarge(aiohttp.ClientError):
    """A platform's answer longer than MAX_ANSWER_BYTES."""


async def answer_text(resp: aiohttp.ClientResponse) -> str:
    """A platform's whole answer as text (read under MAX_ANSWER_BYTES)."""
    try:
        return await response_text(resp, MAX_ANSWER_BYTES)
    except BodyTooLarge as exc:
        raise AnswerTooLarge(f"answer of HTTP {resp.status} larger than {MAX_ANSWER_BYTES} bytes") from exc


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: delivered, worth retrying, or refused for good."""

    delivered: bool
    retryable: bool
    status_code: int | None = None
    error: str | None = None
    remote_id: str | None = None


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
                try:
                    text = await answer_text(resp)
                except AnswerTooLarge as exc:
                    text = str(exc)  # the status decides; the answer only explains a refusal
                return outcome_of_status(resp.status, text)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return Outcome(False, True, None, f"{type(exc).__name__}: {exc}"[:300])


class Open311Adapter:
    """A GeoReport v2 server: a new case becomes `POST requests.json`; its status is pulled later (`pull`)."""

    async def send(self, session: aiohttp.ClientSession, platform: PlatformSettings, delivery: DeliveryRow) -> Outcome:
        payload = json.loads(delivery.payload)
        klass, location = payload.get("class"), payload.get("location")
        form = {"api_key": platform.secret, "description": payload["description"]}
        code = platform.service_codes.get(payload.get("class_id") or "") or (klass or {}).get("minor_code")
        if code:
            form["service_code"] = code
        if location:
            form |= {"lat": str(location["lat"]), "long": str(location["lon"])}
            if location.get("address"):
                form["address_string"] = location["address"]
        if payload.get("media"):
            form["media_url"] = payload["media"][0]["url"]
        try:
            async with session.post(f"{str(platform.url).rstrip('/')}/requests.json", data=form, headers={"User-Agent": USER_AGENT},
                                    timeout=aiohttp.ClientTimeout(total=platform.timeout)) as resp:
                try:
                    text = await answer_text(resp)
                except AnswerTooLarge as exc:
                    text = str(exc)  # a refusal is judged by its status; a 2xx then holds no GeoReport answer
                outcome = outcome_of_status(resp.status, text)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return Outcome(False, True, None, f"{type(exc).__name__}: {exc}"[:300])
        if not outcome.delivered:
            return outcome
        try:
            remote = json.loads(text)[0]
            return Outcome(True, False, outcome.status_code, remote_id=str(remote.get("service_request_id") or remote["token"]))
        except (ValueError, LookupError, TypeError, AttributeError):
            return Outcome(False, False, outcome.status_code, f"not a GeoReport v2 answer: {text[:200]}")

    async def statuses(self, session: aiohttp.ClientSession, platform: PlatformSettings, remote_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The server's current view of these requests, by service_request_id."""
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(remote_ids), 50):
            ids = ",".join(remote_ids[start : start + 50])
            async with session.get(f"{str(platform.url).rstrip('/')}/requests.json", params={"service_request_id": ids},
                                   headers={"User-Agent": USER_AGENT}, timeout=aiohttp.ClientTimeout(total=platform.timeout)) as resp:
                resp.raise_for_status()
                for item in json.loads(await answer_text(resp)):
                    found[str(item["service_request_id"])] = item
        return found


ADAPTERS: dict[str, WebhookAdapter | Open311Adapter] = {"webhook": WebhookAdapter(), "open311": Open311Adapter()}
