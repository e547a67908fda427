"""Platforms administrators add or change at run time (admin_settings "platforms"), and the signed test delivery."""
from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import ValidationError

from gateway.i18n import InputError
from gateway.delivery.outbox import PLATFORMS_SETTING, merged_platforms
from gateway.delivery.platforms import USER_AGENT
from gateway.settings import PlatformSettings, Settings
from gateway.signing import sign
from gateway.store.clock import utcnow
from gateway.store.models import AdminSettingRow
from gateway.store.store import Store

EDITABLE = ("url", "secret", "edition", "enabled", "timeout", "crs", "kind", "max_in_flight", "rate_per_second")
TEST_EVENT = "gateway.test"
RESPONSE_EXCERPT = 2000


async def platforms_now(store: Store, settings: Settings) -> list[PlatformSettings]:
    """Every platform as the outbox and the deliverer see it now."""
    return merged_platforms(settings, await store.admin_setting(PLATFORMS_SETTING))


def platform_from_form(form: Mapping[str, Any], existing: PlatformSettings | None) -> PlatformSettings:
    """The platform a form describes (an empty secret keeps the current one); InputError naming the bad field."""
    fields: dict[str, Any] = existing.model_dump(mode="json") if existing else {"id": str(form.get("id", "")).strip()}
    for name in EDITABLE:
        value = form.get(name)
        if name == "enabled":
            fields["enabled"] = value is not None
        elif name == "secret" and not value and existing is not None:
            continue
        elif name == "rate_per_second" and value is not None and not str(value).strip():
            fields[name] = None  # empty: no limit
        elif value is not None:
            fields[name] = str(value).strip()
    try:
        return PlatformSettings.model_validate(fields)
    except ValidationError as exc:
        field = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "platform"
        raise InputError("platform_invalid_field", field=field) from None


def public_fields(platform: PlatformSettings) -> dict[str, Any]:
    """What the audit log may hold of a platform: everything but its secret."""
    return {k: v for k, v in platform.model_dump(mode="json").items() if k != "secret"}


async def save_platform(store: Store, platform: PlatformSettings, actor: str, *, new: bool, settings: Settings) -> None:
    """Store the platform over any of the same id; audited without its secret (the store's own setter logs whole values)."""
    async with store.transaction() as tx:
        await tx.lock([f"admin_setting:{PLATFORMS_SETTING}"])
        row = await tx.session.get(AdminSettingRow, PLATFORMS_SETTING, with_for_update=True)
        current = row.value if row else None
        if new and any(p.id == platform.id for p in merged_platforms(settings, current)):
            raise InputError("platform_exists", platform=platform.id)
        items = [i for i in (current or {}).get("items", []) if i.get("id") != platform.id] + [platform.model_dump(mode="json")]
        if row is None:
            tx.session.add(AdminSettingRow(key=PLATFORMS_SETTING, value={"items": items}, updated_at=utcnow(), updated_by=actor))
        else:
            row.value, row.updated_at, row.updated_by = {"items": items}, utcnow(), actor
        await tx.audit("platform", platform.id, "added" if new else "changed", actor, **public_fields(platform))


@dataclass(frozen=True)
class TestOutcome:
    """What the platform answered to a test delivery (status None when it could not be reached)."""

    status: int | None
    body: str
    error: str | None
    delivery_id: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def send_test(session: aiohttp.ClientSession, platform: PlatformSettings) -> TestOutcome:
    """A signed `gateway.test` webhook to the platform (an Open311 server is asked for its service list instead)."""
    delivery_id = f"test-{uuid.uuid4()}"
    timeout = aiohttp.ClientTimeout(total=platform.timeout)
    try:
        if platform.kind == "open311":
            request = session.get(f"{str(platform.url).rstrip('/')}/services.json", headers={"User-Agent": USER_AGENT}, timeout=timeout)
        else:
            body = json.dumps({"event": TEST_EVENT, "platform_id": platform.id, "sent_at": utcnow().isoformat()}).encode()
            headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, "X-Gateway-Event": TEST_EVENT,
                       "X-Gateway-Delivery": delivery_id, "X-Gateway-Signature": sign(platform.secret, body)}
            request = session.post(str(platform.url), data=body, headers=headers, timeout=timeout)
        async with request as resp:
            return TestOutcome(resp.status, (await resp.text(errors="replace"))[:RESPONSE_EXCERPT], None, delivery_id)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        return TestOutcome(None, "", f"{type(exc).__name__}: {exc}"[:300], delivery_id)
