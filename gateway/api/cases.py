"""Cases: read one, list with filters and pages, and an agent's class decision."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from collections.abc import Awaitable, Callable

from pydantic import BaseModel, Field, model_validator

from classifier.tables import EDITIONS, CodeTables
from gateway.api.auth import require
from gateway.api.errors import ApiError, read_json
from gateway.appkeys import CASEWORK, DEADLINES, PIPELINE, SETTINGS, STORE, TABLES
from gateway.casework.deadlines import Deadlines
from gateway.i18n import InputError
from gateway.casework.cases import Casework, CaseworkError
from gateway.location.crs import normalize_crs, to_wgs84
from gateway.location.dedup import DEFAULT_WINDOW, HARD_CAP_M
from gateway.domain import OPEN_STATUSES, STATUS_NAMES_ZH, CaseStatus, Channel, Moment, PointIn, Satisfaction, utc_moment
from gateway.delivery.payload import case_number, parse_case_number
from gateway.store.models import BIGINT_MAX, AuditRow, CaseRow
from gateway.store.store import CaseFilter, Store, as_utc, utcnow

routes = web.RouteTableDef()


def case_json(
    case: CaseRow,
    tables: CodeTables,
    edition: str,
    numbers: dict[int, str],
    timeline: list[AuditRow] | None = None,
    deadlines: Deadlines | None = None,
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
        "merged_into": numbers.get(case.merged_into) if case.merged_into else None,
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
    due = as_utc(case.due_at) if case.due_at else None
    body["due_at"] = due.isoformat() if due else None
    body["overdue"] = bool(due and due < utcnow() and CaseStatus(case.status) in OPEN_STATUSES)
    if deadlines is not None:
        body["time_limits"] = [
            {"filing_condition": t.filing_condition, "time_limit": t.text, "urgent": t.urgent, "closing_condition": t.closing_condition}
            for t in deadlines.limits.of(case.class_id)
        ]
    if timeline is not None:
        body["timeline"] = [{"at": a.at.isoformat(), "action": a.action, "actor": a.actor, "detail": a.detail} for a in timeline]
    return body


def related_ids(cases: list[CaseRow]) -> list[int]:
    """Ids of the cases these cases point at (possible duplicate of, merged into)."""
    return [i for c in cases for i in (c.possible_duplicate_of, c.merged_into) if i is not None]


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


@routes.get(r"/cases/{number:\d+}")
async def get_case(request: web.Request) -> web.Response:
    await require(request, "client")
    store = request.config_dict[STORE]
    case = await load_case(store, request.match_info["number"])
    timeline = await store.audit_of("case", case.id)
    numbers = await store.case_numbers(related_ids([case]))
    return web.json_response(case_json(case, request.config_dict[TABLES], edition_param(request), numbers, timeline, request.config_dict[DEADLINES]))


class CaseQuery(BaseModel):
    status: CaseStatus | None = None
    overdue: bool = False
    class_id: str | None = None
    channel: str | None = None
    since: Moment | None = None
    until: Moment | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=BIGINT_MAX)


@routes.get("/cases")
async def list_cases(request: web.Request) -> web.Response:
    await require(request, "client")
    query = CaseQuery.model_validate({k: v for k, v in request.query.items() if k not in ("edition", "lang")})
    store = request.config_dict[STORE]
    rows, total = await store.cases(CaseFilter(**query.model_dump()))
    tables, edition = request.config_dict[TABLES], edition_param(request)
    numbers = await store.case_numbers(related_ids(rows))
    return web.json_response(
        {"total": total, "limit": query.limit, "offset": query.offset, "items": [case_json(c, tables, edition, numbers) for c in rows]}
    )


class ClassDecision(BaseModel):
    class_id: str = Field(min_length=1, max_length=64)


class MergeRequest(BaseModel):
    into: str = Field(min_length=1, max_length=40, description="Number of the case that keeps the reports")


async def _casework(request: web.Request, action: Callable[[Casework, CaseRow], Awaitable[CaseRow | None]]) -> web.Response:
    """Run an agent's action on the case of the URL and answer with the case."""
    store = request.config_dict[STORE]
    case = await load_case(store, request.match_info["number"])
    try:
        updated = await action(request.config_dict[CASEWORK], case)
    except CaseworkError as exc:
        status = 400 if exc.code == "unknown_class" else 409
        raise ApiError(status, exc.code, **exc.params) from None
    assert updated is not None
    numbers = await store.case_numbers(related_ids([updated]))
    return web.json_response(case_json(updated, request.config_dict[TABLES], edition_param(request), numbers))


@routes.post(r"/cases/{number:\d+}/class")
async def set_case_class(request: web.Request) -> web.Response:
    role = await require(request, "agent")
    decision = ClassDecision.model_validate(await read_json(request, request.config_dict[SETTINGS].intake.max_body_bytes))
    return await _casework(request, lambda work, case: work.set_class(case.id, decision.class_id, actor=f"api:{role}"))


@routes.post(r"/cases/{number:\d+}/merge")
async def merge_case(request: web.Request) -> web.Response:
    """Merge the case of the URL into the case named by `into`; answers with the case that keeps the reports."""
    role = await require(request, "agent")
    body = MergeRequest.model_validate(await read_json(request, request.config_dict[SETTINGS].intake.max_body_bytes))
    target = await load_case(request.config_dict[STORE], body.into)
    return await _casework(request, lambda work, case: work.merge(case.id, target.id, actor=f"api:{role}"))


@routes.post(r"/cases/{number:\d+}/unmerge")
async def unmerge_case(request: web.Request) -> web.Response:
    role = await require(request, "agent")
    return await _casework(request, lambda work, case: work.unmerge(case.id, actor=f"api:{role}"))


class FeedbackIn(BaseModel):
    answer: Satisfaction
    channel: Channel = Channel.API
    comment: str | None = Field(default=None, max_length=1000)


@routes.post(r"/cases/{number:\d+}/feedback")
async def case_feedback(request: web.Request) -> web.Response:
    """A reporter's 回访 answer (satisfied, basically_satisfied, dissatisfied) on a closed case."""
    role = await require(request, "client")
    body = FeedbackIn.model_validate(await read_json(request, request.config_dict[SETTINGS].intake.max_body_bytes))
    return await _casework(request, lambda work, case: work.record_feedback(case.id, body.answer, body.channel.value, f"api:{role}", body.comment))


@routes.get("/stats/satisfaction")
async def satisfaction_stats(request: web.Request) -> web.Response:
    """回访 answers and the satisfaction rate ((满意 + 基本满意) / all), for administrators."""
    await require(request, "admin")
    since = request.query.get("since")
    try:
        moment = utc_moment(datetime.fromisoformat(since), "since") if since else None
    except InputError as exc:
        raise ApiError(400, exc.code, at="since", **exc.params) from None
    except ValueError:
        raise ApiError(400, "invalid_field", at="since", field="since", detail="ISO 8601 date-time") from None
    counts = await request.config_dict[STORE].satisfaction(moment)
    total = sum(counts.values())
    happy = counts.get(Satisfaction.SATISFIED, 0) + counts.get(Satisfaction.BASICALLY_SATISFIED, 0)
    return web.json_response({"answers": {s.value: counts.get(s.value, 0) for s in Satisfaction}, "total": total, "satisfaction_rate": round(happy / total, 4) if total else None})


NEARBY_TEXT_CHARS = 500
"""Up to 12 bytes a character once percent-encoded: 500 keep a request line under aiohttp's 8 KB."""


class NearbyQuery(BaseModel):
    lat: float
    lon: float
    crs: str = "wgs84"
    class_id: str | None = Field(default=None, alias="class")
    radius: float = Field(default=250.0, gt=0, le=HARD_CAP_M)
    text: str | None = Field(default=None, max_length=NEARBY_TEXT_CHARS, description="Compared with each case's text; kept short enough for a URL")
    limit: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _point(self) -> "NearbyQuery":
        PointIn(lat=self.lat, lon=self.lon, crs=self.crs)
        return self


@routes.get("/cases/nearby")
async def nearby_cases(request: web.Request) -> web.Response:
    """Open cases around a point, nearest first, with distance and (given a text) similarity."""
    await require(request, "client")
    query = NearbyQuery.model_validate({k: v for k, v in request.query.items() if k not in ("edition", "lang")})
    pipeline, store = request.config_dict[PIPELINE], request.config_dict[STORE]
    if query.class_id is not None and query.class_id not in request.config_dict[TABLES]:
        raise ApiError(400, "unknown_class", at="class", class_id=query.class_id)
    lat, lon = to_wgs84(query.lat, query.lon, normalize_crs(query.crs))
    found = await store.nearby_open_cases(lat, lon, query.radius, utcnow() - DEFAULT_WINDOW)
    dedup = pipeline.dedup
    family = dedup.family(query.class_id) if query.class_id else None
    items = []
    for case, distance in found:
        if family is not None and (case.class_id is None or dedup.family(case.class_id) != family):
            continue
        similarity = round(dedup.similarity(query.text, case.text), 3) if query.text else None
        items.append((distance, case, similarity))
    items.sort(key=lambda item: (item[0], -(item[2] or 0.0)))
    tables, edition = request.config_dict[TABLES], edition_param(request)
    numbers = await store.case_numbers(related_ids([c for _, c, _ in items]))
    return web.json_response(
        {"items": [case_json(c, tables, edition, numbers) | {"distance_m": round(d, 1), "similarity": sim} for d, c, sim in items[: query.limit]]}
    )
