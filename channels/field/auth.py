"""Phones of field accounts: `Authorization: Bearer <device token>`, looked up in SQL on every request (a revocation
holds at once), refused when the phone was revoked or its account is no longer an enabled supervisor or liaison."""
from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from gateway.api.auth import presented_key
from gateway.api.errors import ApiError
from gateway.appkeys import STORE
from gateway.store.field import FIELD_ROLES


@dataclass(frozen=True)
class FieldUser:
    """Who is calling: the account, its role and language, and the phone."""

    username: str
    role: str
    language: str
    device_id: int


async def field_user(request: web.Request) -> FieldUser:
    """The caller's account, or 401 (no token, unknown or revoked phone) / 403 (account not an enabled field account)."""
    token = presented_key(request)
    if not token:
        raise ApiError(401, "field_token_required")
    found = await request.config_dict[STORE].device_by_token(token)
    if found is None:
        raise ApiError(401, "field_token_required")
    device, user = found
    if device.revoked_at is not None:
        raise ApiError(401, "field_device_revoked")
    if user.disabled or user.role not in FIELD_ROLES:
        raise ApiError(403, "field_account_not_field", username=user.username)
    return FieldUser(user.username, user.role, user.language, device.id)
