"""Cases: read one, list with filters and pages, and an agent's class decision."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field

from classifier.tables import EDITIONS, CodeTables
from gateway.api.auth import require
from gateway.api.errors import ApiError, read_json
from gateway.appkeys import PIPELINE, SETTINGS, STORE, TABLES
from gateway.domain import STATUS_NAMES_ZH, CaseStatus
from gateway.payload import case_number, parse_case_number
from gateway.pipeline import UnknownClass
from gateway.store.models import AuditRow, CaseRow
from gateway.store.store import CaseFilter, Store

routes = web.RouteTableDef()


def case_json(
    case: CaseRow, tables: CodeTables, edition: str, numbers: dict[int, str], timeline: list[AuditRow] | None = None
) -> dict[str, Any]:
    """A case as the API shows it; `numbers` holds the case numbers of related cases."""
    code = tables.render(case.class_id, edition) if case.class_id else None
    possible_duplicate = numbers.get(case.possible_duplicate_of) if case.possible_duplicate_of else None
    body: dict[str, Any] = {
        "case_id": case_number(case.id, case.created_at),
        "status": case.status,
        "status_name": STATUS_NAMES_ZH[CaseStatus(case.status)],
        "class_id": case.class_id,
        "class": code.as_dict() if code else None,
        "class_confidence": case.class_confidence,
        "class_source": case.class_source,
        "review_reason": case.review_reason,
        "possible_duplicate_of": possible_duplicate,
        "description": case.text,
        "language": case.language,
        "location": None if case.lat is None else {"lat": case.lat, "lon": case.lon, "crs": "wgs84", "precision_m": case.precision_m},
        "address": case.address,
        "grid_code": case.grid_code,
        "channel": case.source_channel,
        "case_source": case.case_source,
        "reports_count": case.reports_count,
        "version": case.version,
        "note": case.last_note,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }
    if timeline is not None:
        body["timeline"] = [{"at": a.at.isoformat(), "action": a.action, "actor": a.actor, "detail": a.detail} for a in timeline]
    return body


async def load_case(store: Store, number: str) -> CaseRow:
    """The case behind a case number, or a 404 in the caller's language."""
    case_id = parse_case_number(number)
    case = await store.case(case_id) if case_id is not None else None
    if case is None or (len(number) >= 14 and case_number(case.id, case.created_at) != number):
        raise ApiError(404, "case_not_found", case=number)
    return case


def edition_param(request: web.Request) -> str:
    edition = request.query.get("edition", "gbt30428-2013")
    if edition not in EDITIONS:
        raise ApiError(400, "invalid_field", at="edition", field="edition", detail=", ".join(EDITIONS))
    return edition


@routes.get("/cases/{number}")
async def get_case(request: web.Request) -> web.Response:
    await require(request, "client")
    store = request.config_dict[STORE]
    case = await load_case(store, request.match_info["number"])
    timeline = await store.audit_of("case", case.id)
    numbers = await store.case_numbers([case.possible_duplicate_of] if case.possible_duplicate_of else [])
    return web.json_response(case_json(case, request.config_dict[TABLES], edition_param(request), numbers, timeline))


class CaseQuery(BaseModel):
    status: CaseStatus | None = None
    class_id: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


@routes.get("/cases")
async def list_cases(request: web.Request) -> web.Response:
    await require(request, "client")
    query = CaseQuery.model_validate({k: v for k, v in request.query.items() if k not in ("edition", "lang")})
    store = request.config_dict[STORE]
    rows, total = await store.cases(CaseFilter(**query.model_dump()))
    tables, edition = request.config_dict[TABLES], edition_param(request)
    numbers = await store.case_numbers([c.possible_duplicate_of for c in rows if c.possible_duplicate_of])
    return web.json_response(
        {"total": total, "limit": query.limit, "offset": query.offset, "items": [case_json(c, tables, edition, numbers) for c in rows]}
    )


class ClassDecision(BaseModel):
    class_id: str = Field(min_length=1, max_length=64)


@routes.post("/cases/{number}/class")
async def set_case_class(request: web.Request) -> web.Response:
    role = await require(request, "agent")
    case = await load_case(request.config_dict[STORE], request.match_info["number"])
    decision = ClassDecision.model_validate(await read_json(request, request.config_dict[SETTINGS].intake.max_body_bytes))
    try:
        updated = await request.config_dict[PIPELINE].set_class(case.id, decision.class_id, actor=f"api:{role}")
    except UnknownClass as exc:
        raise ApiError(400, "unknown_class", at="class_id", class_id=exc.class_id) from None
    assert updated is not None
    numbers = await request.config_dict[STORE].case_numbers([updated.possible_duplicate_of] if updated.possible_duplicate_of else [])
    return web.json_response(case_json(updated, request.config_dict[TABLES], edition_param(request), numbers))
