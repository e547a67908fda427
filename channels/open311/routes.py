"""The GeoReport v2 endpoints."""
from __future__ import annotations

import json
import mimetypes
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from sqlalchemy import select

from channels.open311.formats import error, respond
from channels.open311.services import ATTRIBUTES, EDITION, services
from gateway.api.auth import API_KEYS
from gateway.api.errors import validation_error
from gateway.appkeys import PIPELINE, SETTINGS, STORE, TABLES
from gateway.bodies import BodyTooLarge, read_whole
from gateway.domain import OPEN_STATUSES, CaseStatus, Channel, ReportIn, utc_moment
from gateway.i18n import InputError, Lang, message, negotiate
from gateway.delivery.payload import case_number, parse_case_number
from gateway.intake.pipeline import UnknownClass
from gateway.privacy import mask_personal, rough_place
from gateway.store.models import BIGINT_MAX, AuditRow, CaseRow, ReportRow
from gateway.store.store import as_utc

routes = web.RouteTableDef()
FMT = "{fmt:(json|xml)}"
MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PUBLIC_DECIMALS = 3
"""Coordinates the public reads (masked and off): three decimals, about 100 m."""


def open311_lang(request: web.Request) -> Lang:
    """GeoReport clients read English unless they ask for Chinese (Accept-Language or ?lang=)."""
    asked = request.headers.get("Accept-Language") or request.query.get("lang")
    return negotiate(request.headers.get("Accept-Language"), request.query.get("lang")) if asked else "en"


def _nul_in(items: Any) -> str | None:
    return next((str(name) for name, value in items if "\x00" in str(name) or (isinstance(value, str) and "\x00" in value)), None)


@web.middleware
async def refuse_unreadable(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """NUL in the path, the query or a posted form is refused in the spec's error format before any handler sees it
    (PostgreSQL cannot hold it, SQLite would: both answer the same)."""
    fields = [*request.match_info.items(), *request.query.items()]
    if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += list((await request.post()).items())
    found = _nul_in(fields)
    if found is not None:
        fmt = request.match_info.get("fmt", "json")
        return error(fmt if fmt in ("json", "xml") else "json", 400, message("nul_character", open311_lang(request), field=found.replace("\x00", "\\0")))
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error("xml" if request.path.endswith(".xml") else "json", 404, f"{request.path.rsplit('/', 1)[-1][:100]} not found")


def _moment(query: Any, name: str, default: datetime) -> datetime:
    """A w3c date-time of the query (default when absent) in UTC; ValueError or InputError when it cannot be one."""
    return utc_moment(datetime.fromisoformat(query[name]), name) if name in query else default


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat(timespec="seconds") if value else None


def _status(case: CaseRow) -> str:
    return "open" if CaseStatus(case.status) in OPEN_STATUSES else "closed"


class PublicView:
    """What an unauthenticated read shows of a case (`open311.public_descriptions`): off, masked or full."""

    def __init__(self, request: web.Request) -> None:
        self.mode = request.config_dict[SETTINGS].open311.public_descriptions
        self.locator = request.config_dict[PIPELINE].locator

    def words(self, value: str | None) -> str | None:
        """A citizen's description or a platform's note."""
        if value is None or self.mode == "off":
            return None
        return value if self.mode == "full" else mask_personal(value)

    def address(self, value: str | None) -> str | None:
        """The address as given (full), or its road, junction, estate or stop only; none for a report placed by coordinates."""
        return value if self.mode == "full" else rough_place(value, None, None, self.locator)

    def coordinate(self, value: float | None) -> float | None:
        return value if value is None or self.mode == "full" else round(value, PUBLIC_DECIMALS)


def request_json(case: CaseRow, tables: Any, media_url: str | None, view: PublicView) -> dict[str, Any]:
    code = tables.render(case.class_id, EDITION) if case.class_id else None
    return {
        "service_request_id": case_number(case.id, case.created_at),
        "status": _status(case),
        "status_notes": view.words(case.last_note),
        "service_name": code.minor_name if code else None,
        "service_code": case.class_id,
        "description": view.words(case.text),
        "agency_responsible": None,
        "service_notice": None,
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.due_at),
        "address": view.address(case.address),
        "address_id": None,
        "zipcode": None,
        "lat": view.coordinate(case.lat),
        "long": view.coordinate(case.lon),
        "media_url": media_url,
    }


CHANGESET = "2026-12-01T00:00:00Z"
"""When what these endpoints answer last changed (discovery's changeset)."""


async def discovery(request: web.Request) -> web.Response:
    """GET /open311/discovery.json|xml: the GeoReport v2 endpoint this gateway serves (mounted beside /open311/v2)."""
    settings = request.config_dict[SETTINGS]
    body = {
        "changeset": CHANGESET,
        "contact": settings.open311.contact,
        "key_service": settings.open311.key_service,
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": settings.public_base_url.rstrip("/") + "/open311/v2",
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return respond(request.match_info["fmt"], "discovery", body)


@routes.get(f"/services.{FMT}")
async def list_services(request: web.Request) -> web.Response:
    return respond(request.match_info["fmt"], "services", services(request.config_dict[TABLES]))


@routes.get("/services/{code}." + FMT)
async def service_definition(request: web.Request) -> web.Response:
    fmt, code = request.match_info["fmt"], request.match_info["code"]
    if not any(s["service_code"] == code for s in services(request.config_dict[TABLES])):
        return error(fmt, 404, f"service_code {code} not found")
    return respond(fmt, "service_definition", {"service_code": code, "attributes": ATTRIBUTES})


async def _authorized(request: web.Request, key: str | None) -> bool:
    return bool(key) and await request.config_dict[API_KEYS].role(key) is not None


class Refused(Exception):
    """A request refused in the spec's error format with a catalogue message."""

    def __init__(self, status: int, code: str, /, **params: object) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


def _flat(data: Any) -> dict[str, str]:
    """A JSON body as the form's fields: strings and numbers as text, `attribute` as an object of answers by code."""
    if not isinstance(data, dict):
        raise Refused(400, "open311_body_not_object")
    fields: dict[str, str] = {}
    for name, value in data.items():
        if name == "attribute" and isinstance(value, dict):
            fields |= {f"attribute[{code}]": item for code, item in _flat(value).items()}
        elif isinstance(value, bool):
            fields[name] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            fields[name] = str(value)
        elif value is not None:
            raise Refused(400, "open311_field_not_text", field=str(name)[:64])
    return fields


async def posted_fields(request: web.Request) -> dict[str, str]:
    """The fields of a POST, from a form or from a JSON object (api_key among them either way)."""
    if request.content_type in FORM_TYPES:
        return {name: value for name, value in (await request.post()).items() if isinstance(value, str)}
    if request.content_type != "application/json":
        raise Refused(415, "open311_media_type")
    limit = request.config_dict[SETTINGS].intake.max_body_bytes
    try:
        raw = await read_whole(request.content, limit, request.content_length)
    except BodyTooLarge:
        raise Refused(413, "body_too_large", limit=limit) from None
    try:
        fields = _flat(json.loads(raw.decode("utf-8")))
    except UnicodeDecodeError:
        raise Refused(400, "invalid_utf8") from None
    except (ValueError, RecursionError):
        raise Refused(400, "invalid_json") from None
    found = _nul_in(fields.items())
    if found is not None:
        raise Refused(400, "nul_character", field=found.replace("\x00", "\\0"))
    return fields


def answers(fields: Mapping[str, str]) -> dict[str, str]:
    """The service's questions answered, by code; an answer outside a list's values is refused."""
    found = {}
    for attribute in ATTRIBUTES:
        value = (fields.get("attribute[" + attribute["code"] + "]") or "").strip()
        if not value:
            continue
        keys = [v["key"] for v in attribute.get("values") or []]
        if keys and value not in keys:
            raise Refused(400, "open311_attribute_value", attribute=attribute["code"], value=value[:40], values=", ".join(keys))
        found[attribute["code"]] = value
    return found


@routes.post(f"/requests.{FMT}")
async def post_request(request: web.Request) -> web.Response:
    fmt = request.match_info["fmt"]
    lang = open311_lang(request)
    try:
        return await _post_request(request, fmt, lang)
    except Refused as refused:
        return error(fmt, refused.status, message(refused.code, lang, **refused.params))


async def _post_request(request: web.Request, fmt: str, lang: Lang) -> web.Response:
    form = await posted_fields(request)
    if not await _authorized(request, form.get("api_key") or ""):
        raise Refused(403, "open311_api_key")
    code = form.get("service_code") or ""
    service = next((s for s in services(request.config_dict[TABLES]) if s["service_code"] == code), None)
    if service is None:
        raise Refused(400, "open311_unknown_service", service=code[:64] or "(missing)")
    lat, lon, address = form.get("lat"), form.get("long"), form.get("address_string") or form.get("address_id")
    if not ((lat and lon) or address):
        raise Refused(400, "open311_location_required")
    media_url = form.get("media_url") or ""
    name = " ".join(form.get(k) or "" for k in ("first_name", "last_name")).strip()
    contact = {k: v for k, v in {"name": name or None, "email": form.get("email"), "phone": form.get("phone")}.items() if v}
    try:
        report = ReportIn.model_validate({
            "text": form.get("description") or service["service_name"], "channel": Channel.OPEN311, "language": "zh",
            "location": {"lat": lat, "lon": lon, "crs": "wgs84"} if lat and lon else None,
            "address": address or None,
            "contact": contact | {"consent_updates": bool(contact)} if contact else None,
            "media": [{"url": media_url, "content_type": mimetypes.guess_type(media_url)[0] or "image/jpeg"}] if media_url else [],
            "class_id": code,
            "attributes": answers(form),
        })
    except ValidationError as exc:
        problem = validation_error(exc)
        return error(fmt, 400, f"{problem.at or 'request'}: {message(problem.code, lang, **problem.params)}")
    settings = request.config_dict[SETTINGS]
    if len(report.text) > settings.intake.max_text_chars:
        raise Refused(400, "text_too_long", limit=settings.intake.max_text_chars)
    try:
        result = await request.config_dict[PIPELINE].submit(report, actor="open311")
    except UnknownClass:
        raise Refused(400, "open311_unknown_service", service=code[:64]) from None
    notice = "已与已有案件合并 / added to an existing request" if result.joined else None
    body = [{"service_request_id": result.case_number, "token": f"r{result.report_id}", "service_notice": notice, "account_id": None}]
    return respond(fmt, "service_requests", body, 201)


def _case_ids(raw: str) -> list[int] | None:
    ids = [parse_case_number(part.strip()) for part in raw.split(",") if part.strip()]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]


@routes.get(f"/requests.{FMT}")
async def list_requests(request: web.Request) -> web.Response:
    fmt, query = request.match_info["fmt"], request.query
    now = datetime.now(timezone.utc)
    try:
        start, end = _moment(query, "start_date", now - DEFAULT_WINDOW), _moment(query, "end_date", now + timedelta(seconds=1))
    except InputError as exc:
        return error(fmt, 400, message(exc.code, open311_lang(request), **exc.params))
    except ValueError:
        return error(fmt, 400, "start_date and end_date must be w3c (ISO 8601) date-times")
    stmt = select(CaseRow).where(CaseRow.status.not_in([CaseStatus.MERGED.value]))
    if "service_request_id" in query:
        ids = _case_ids(query["service_request_id"])
        if ids is None:
            return error(fmt, 400, "service_request_id must be case numbers separated by commas")
        stmt = stmt.where(CaseRow.id.in_(ids))
    else:
        stmt = stmt.where(CaseRow.created_at >= start, CaseRow.created_at < end)
    if "service_code" in query:
        stmt = stmt.where(CaseRow.class_id.in_(query["service_code"].split(",")))
    if "status" in query:
        wanted = set(query["status"].split(","))
        if not wanted <= {"open", "closed"}:
            return error(fmt, 400, "status must be open or closed")
        open_values = [s.value for s in OPEN_STATUSES]
        if wanted == {"open"}:
            stmt = stmt.where(CaseRow.status.in_(open_values))
        elif wanted == {"closed"}:
            stmt = stmt.where(CaseRow.status.not_in(open_values))
    return respond(fmt, "service_requests", await _requests(request, stmt.order_by(CaseRow.id.desc()).limit(MAX_REQUESTS)))


async def _requests(request: web.Request, stmt: Any) -> list[dict[str, Any]]:
    """Cases as GeoReport requests, each with the first photo of its reports."""
    async with request.config_dict[STORE].transaction() as tx:
        cases = list(await tx.session.scalars(stmt))
        media = {case.id: await tx.media_of_case(case.id) for case in cases}
    tables, view = request.config_dict[TABLES], PublicView(request)
    return [request_json(c, tables, media[c.id][0]["url"] if media[c.id] else None, view) for c in cases]


@routes.get("/requests/{number:\\d+}." + FMT)
async def get_request(request: web.Request) -> web.Response:
    fmt, number = request.match_info["fmt"], request.match_info["number"]
    case_id = parse_case_number(number)
    found = await _requests(request, select(CaseRow).where(CaseRow.id == case_id)) if case_id is not None else []
    if not found or found[0]["service_request_id"] != number:
        return error(fmt, 404, f"service_request_id {number} not found")
    return respond(fmt, "service_requests", found)


@routes.get("/tokens/{token:r[0-9]{1,30}}." + FMT)
async def get_token(request: web.Request) -> web.Response:
    fmt, token = request.match_info["fmt"], request.match_info["token"]
    if int(token[1:]) > BIGINT_MAX:
        return error(fmt, 404, f"token {token} not found")
    async with request.config_dict[STORE].transaction() as tx:
        report = await tx.session.get(ReportRow, int(token[1:]))
        case = await tx.case(report.case_id) if report is not None and report.case_id is not None else None
    if report is None or report.channel != Channel.OPEN311.value or case is None:
        return error(fmt, 404, f"token {token} not found")
    return respond(fmt, "service_requests", [{"service_request_id": case_number(case.id, case.created_at), "token": token}])


@routes.get(f"/servicerequestupdates.{FMT}")
async def request_updates(request: web.Request) -> web.Response:
    """The service-request-updates extension: status changes and notes between two moments."""
    fmt, query = request.match_info["fmt"], request.query
    now = datetime.now(timezone.utc)
    try:
        start, end = _moment(query, "start_date", now - timedelta(days=1)), _moment(query, "end_date", now + timedelta(seconds=1))
    except InputError as exc:
        return error(fmt, 400, message(exc.code, open311_lang(request), **exc.params))
    except ValueError:
        return error(fmt, 400, "start_date and end_date must be w3c (ISO 8601) date-times")
    async with request.config_dict[STORE].transaction() as tx:
        rows = list(await tx.session.execute(
            select(AuditRow, CaseRow).join(CaseRow, CaseRow.id == AuditRow.entity_id.cast(CaseRow.id.type))
            .where(AuditRow.entity == "case", AuditRow.action.in_(["status_changed", "platform_note"]), AuditRow.at >= start, AuditRow.at < end)
            .order_by(AuditRow.id).limit(MAX_REQUESTS)
        ))
    view = PublicView(request)
    updates = [
        {
            "update_id": str(audit.id),
            "service_request_id": case_number(case.id, case.created_at),
            "status": "closed" if (audit.detail or {}).get("status") in ("closed", "voided") else "open",
            "updated_datetime": _iso(audit.at),
            "description": view.words((audit.detail or {}).get("note")) or "",
            "media_url": None,
        }
        for audit, case in rows
    ]
    return respond(fmt, "service_request_updates", updates)
