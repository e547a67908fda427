"""POST /api/v1/platforms/{platform_id}/callbacks: a platform's progress on a case, signed like our webhooks."""
from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.api.cases import load_case
from gateway.api.errors import ApiError, parse_json, read_body, require_json
from gateway.appkeys import CASEWORK, FIELDWORK, SETTINGS, STORE
from gateway.casework.cases import CaseworkError
from gateway.casework.fieldwork import FieldworkError, TaskKind
from gateway.i18n import InputError
from gateway.domain import Moment, parse_status
from gateway.delivery.outbox import platforms_in_force
from gateway.settings import PlatformSettings
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


class TaskCallbackIn(BaseModel):
    """A platform asks for 核实 (verify, before 立案) or 核查 (check, after 处置) of a case on site, or withdraws that request."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["request", "withdraw"] = "request"
    task_id: str = Field(min_length=1, max_length=100, description="The platform's own id of the task")
    case_id: str | None = Field(default=None, min_length=1, max_length=40, description="The case number (required to request)")
    kind: TaskKind | None = Field(default=None, description="verify (核实) or check (核查); required to request")
    note: str | None = Field(default=None, max_length=2000)
    due_at: Moment | None = Field(default=None, description="When the answer is due; default: the working hours of settings field.verify_hours / check_hours")

    @model_validator(mode="after")
    def _request_names_case(self) -> "TaskCallbackIn":
        if self.action == "request" and self.case_id is None:
            raise InputError("missing_field", field="case_id")
        if self.action == "request" and self.kind is None:
            raise InputError("missing_field", field="kind")
        return self


async def signed_callback(request: web.Request) -> tuple[PlatformSettings, bytes, int]:
    """The platform named in the path, the raw body and its signature's time: refused unless signed with its secret."""
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
    return platform, raw, signed_at


@routes.post("/platforms/{platform_id}/callbacks")
async def platform_callback(request: web.Request) -> web.Response:
    platform, raw, signed_at = await signed_callback(request)
    platform_id = platform.id
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


@routes.post("/platforms/{platform_id}/tasks")
async def task_callback(request: web.Request) -> web.Response:
    """核实 / 核查 asked of the supervisors of the case's grid (or withdrawn); the answer comes back as a signed event."""
    platform, raw, signed_at = await signed_callback(request)
    body = TaskCallbackIn.model_validate(parse_json(raw))
    fieldwork, receipt = request.config_dict[FIELDWORK], message_receipt(signed_at, raw)
    try:
        if body.action == "withdraw":
            task = await fieldwork.withdraw(platform.id, body.task_id, receipt)
            return web.json_response({"task_id": body.task_id, "status": task.status})
        assert body.case_id is not None and body.kind is not None
        case = await load_case(request.config_dict[STORE], body.case_id)
        task, created = await fieldwork.request(platform.id, body.task_id, case.id, body.kind, body.note, body.due_at, receipt)
    except FieldworkError as exc:
        raise ApiError(exc.status, exc.code, **exc.params) from None
    answer = {"task_id": body.task_id, "status": task.status, "offered_to": task.offered_to, "due_at": task.due_at.isoformat()}
    return web.json_response(answer, status=201 if created else 200)
