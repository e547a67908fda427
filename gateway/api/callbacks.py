"""POST /api/v1/platforms/{platform_id}/callbacks: a platform's progress on a case, signed like our webhooks."""
from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.api.cases import load_case
from gateway.api.errors import ApiError, parse_json, read_body, require_json
from gateway.appkeys import CASEWORK, SETTINGS, STORE
from gateway.casework import CaseworkError
from gateway.i18n import InputError
from gateway.domain import parse_status
from gateway.outbox import platforms_in_force
from gateway.signing import SignatureError, message_receipt, verify

routes = web.RouteTableDef()


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    case_id: str = Field(min_length=1, max_length=40)
    status: str
    note: str | None = Field(default=None, max_length=2000)
    platform_case_id: str | None = Field(default=None, max_length=100)

    @field_validator("status")
    @classmethod
    def _known(cls, value: str) -> str:
        if parse_status(value) is None:
            raise InputError("unknown_status", status=value)
        return value


@routes.post("/platforms/{platform_id}/callbacks")
async def platform_callback(request: web.Request) -> web.Response:
    settings = request.config_dict[SETTINGS]
    platform_id = request.match_info["platform_id"]
    async with request.config_dict[STORE].transaction() as tx:
        platform = next((p for p in await platforms_in_force(tx, settings) if p.id == platform_id), None)
    if platform is None:
        raise ApiError(404, "unknown_platform", platform=platform_id)
    raw = await read_body(request, settings.intake.max_body_bytes)
    header = request.headers.get("X-Gateway-Signature")
    try:
        signed_at = verify(platform.secret, raw, header, settings.intake.callback_tolerance_seconds)
    except SignatureError as exc:
        raise ApiError(401, exc.code) from None
    require_json(request)
    body = CallbackIn.model_validate(parse_json(raw))
    new = parse_status(body.status)
    assert new is not None
    store = request.config_dict[STORE]
    case = await load_case(store, body.case_id)
    try:
        changed = await request.config_dict[CASEWORK].platform_status(
            case.id, new, body.note, platform_id, receipt=message_receipt(signed_at, raw), platform_case_id=body.platform_case_id
        )
    except CaseworkError as exc:
        params = exc.params | ({"case": body.case_id} if "case" in exc.params else {})
        raise ApiError(409, exc.code, at="status" if exc.code == "invalid_transition" else None, **params) from None
    return web.json_response({"case_id": body.case_id, "status": new.value, "changed": changed})
