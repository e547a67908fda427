"""The phones' API under /field/v1: enrolment, photos, reports (idempotent by the phone's UUID), place and class help,
tasks (核实 / 核查) and duty. Every refusal is a catalogue message in the phone's language (Accept-Language)."""
from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from channels.field.auth import field_user
from gateway.store.field import new_token
from gateway.api.errors import ApiError, read_json, request_language
from gateway.api.media import store_photo
from gateway.appkeys import FIELDWORK, PIPELINE, SETTINGS, STORE, TABLES
from gateway.domain import CLOCK_SKEW, Channel, Coordinate, Moment, PointIn, ReportIn, media_url, refuse_nul
from gateway.casework.fieldwork import KIND_NAMES, KIND_NAMES_EN, RESULT_NAMES, RESULT_NAMES_EN, RESULTS, FieldworkError, TaskResult
from gateway.i18n import message
from gateway.location.crs import to_wgs84
from gateway.delivery.payload import case_number
from gateway.intake.pipeline import UnknownClass
from gateway.store.clock import as_utc, utcnow
from gateway.store.models import CaseRow, FieldReportRow, FieldTaskRow
from classifier.families import load_families

routes = web.RouteTableDef()
CHANNEL_OF_ROLE = {"supervisor": Channel.SUPERVISOR, "liaison": Channel.LIAISON}
CLASS_CHOICES = 5


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FixIn(Strict):
    """A GPS fix as the phone's browser gave it."""

    lat: Coordinate
    lon: Coordinate
    accuracy_m: float = Field(ge=0, le=1_000_000, description="Radius of 68 % confidence, metres (Geolocation API `accuracy`)")
    crs: str = "wgs84"

    def point(self) -> PointIn:
        return PointIn(lat=self.lat, lon=self.lon, crs=self.crs)


class PhotoIn(Strict):
    url: Annotated[str, Field(max_length=2000), AfterValidator(media_url)]
    content_type: str = Field(max_length=100, pattern=r"^image/[a-z0-9.+-]+$")
    phase: Literal["before", "after"] = Field(default="before", description="Taken before or after the problem was dealt with on site")


class EnrolIn(Strict):
    code: str = Field(min_length=8, max_length=100)


class FieldReportIn(Strict):
    """A report made on a phone; `id` is the phone's own UUID: sent again, it answers with the first."""

    id: uuid.UUID
    note: str = Field(default="", max_length=5000)
    class_id: str | None = Field(default=None, max_length=64, description="A class or family id (fam-…) chosen in the picker")
    language: Literal["zh", "en"] = "zh"
    fix: FixIn | None = Field(default=None, description="The GPS fix when the photo was taken")
    photos: list[PhotoIn] = Field(default=[], max_length=8)
    made_at: Moment = Field(description="When it was made, on the phone's clock")
    sent_at: Moment = Field(description="When this request left the phone, on the phone's clock (tells how far off that clock is)")


class AnswerIn(Strict):
    answer_id: uuid.UUID = Field(description="The phone's UUID of this answer: sent again, it is no second answer")
    result: TaskResult
    note: str | None = Field(default=None, max_length=2000)
    photos: list[PhotoIn] = Field(default=[], max_length=8)
    answered_at: Moment = Field(description="On the phone's clock")
    sent_at: Moment = Field(description="On the phone's clock")


class DutyIn(Strict):
    on_duty: bool
    share_track: bool | None = Field(default=None, description="Consent to a patrol track while on duty (unchanged when absent)")


class TrackPointIn(Strict):
    at: Moment = Field(description="When the phone took the position, on its clock")
    lat: Coordinate
    lon: Coordinate
    accuracy_m: float = Field(ge=0, le=1_000_000)
    crs: str = "wgs84"


class TrackIn(Strict):
    """Positions of a patrol, sent in batches; a batch sent again adds nothing."""

    points: list[TrackPointIn] = Field(min_length=1, max_length=500)
    sent_at: Moment = Field(description="When this request left the phone, on the phone's clock")


class SuggestIn(Strict):
    note: str = Field(max_length=5000)


async def body_of(request: web.Request, model: type[Strict]) -> Any:
    data = await read_json(request, request.config_dict[SETTINGS].intake.max_body_bytes)
    refuse_nul(data)
    return model.model_validate(data)


def skew_of(sent_at: datetime) -> timedelta:
    """Server time minus the phone's: what to add to the phone's times."""
    return utcnow() - sent_at


def on_server_clock(moment: datetime, skew: timedelta) -> datetime:
    """A phone's time on the server's clock, never later than now."""
    return min(moment + skew if abs(skew) > CLOCK_SKEW else moment, utcnow())


def warning(request: web.Request, code: str, **params: object) -> dict[str, str]:
    return {"code": code, "message": message(code, request_language(request), **params)}


def clock_warnings(request: web.Request, skew: timedelta) -> list[dict[str, str]]:
    return [warning(request, "field_clock_wrong", minutes=round(abs(skew.total_seconds()) / 60))] if abs(skew) > CLOCK_SKEW else []


def place_of(request: web.Request, user_grids: list[str], fix: FixIn) -> dict[str, Any]:
    """Grid, street, community and the nearest road of a fix, and how far it lies outside the account's grids."""
    locator = request.config_dict[PIPELINE].locator
    lat, lon = to_wgs84(fix.lat, fix.lon, fix.point().crs)
    if locator is None:
        return {"grid_code": None, "street": None, "community": None, "place": None, "outside_m": None}
    cell = locator.grids.lookup(lat, lon)
    roads = locator.gazetteer.roads
    near = min(((locator.gazetteer.distance_to_road_m(name, lat, lon), name) for name in roads), default=None)
    outside = locator.grids.distance_m(user_grids, lat, lon)
    return {"grid_code": cell.grid_code if cell else None, "street": cell.street if cell else None,
            "community": cell.community if cell else None,
            "place": {"name": near[1], "distance_m": round(near[0])} if near else None,
            "outside_m": None if outside is None else round(outside)}


def check_fix(request: web.Request, fix: FixIn | None, has_photos: bool) -> list[dict[str, str]]:
    """Refuse a report with no photo, no fix or a fix too rough; warn about a rough one."""
    settings = request.config_dict[SETTINGS].field
    if not has_photos:
        raise ApiError(400, "field_photo_required", at="photos")
    if fix is None:
        raise ApiError(400, "field_gps_required", at="fix")
    accuracy = math.ceil(fix.accuracy_m)
    if fix.accuracy_m > settings.max_accuracy_m:
        raise ApiError(400, "field_gps_inaccurate", at="fix.accuracy_m", accuracy=accuracy, limit=round(settings.max_accuracy_m))
    return [warning(request, "field_gps_rough", accuracy=accuracy)] if fix.accuracy_m > settings.warn_accuracy_m else []


def check_grids(request: web.Request, user_grids: list[str], place: dict[str, Any]) -> None:
    limit = request.config_dict[SETTINGS].field.grid_margin_m
    if not user_grids:
        raise ApiError(403, "field_no_grids")
    if place["outside_m"] is not None and place["outside_m"] > limit:
        raise ApiError(400, "field_outside_grids", at="fix", distance=place["outside_m"], limit=round(limit))


def class_name(request: web.Request, class_id: str | None, lang: str) -> str | None:
    """A class or family chosen in the picker, as people read it (the text of a report made without a note)."""
    family = load_families().get(class_id) if class_id else None
    if family is not None:
        return family.display_name(lang)
    tables = request.config_dict[TABLES]
    return tables.label(class_id, lang, major=False) if class_id in tables else None


async def report_answer(request: web.Request, row: FieldReportRow, replayed: bool, warnings: list[dict[str, str]]) -> web.Response:
    case = await request.config_dict[STORE].case(row.case_id)
    assert case is not None
    body = {"id": row.id, "case_number": case_number(case.id, case.created_at), "status": case.status, "grid_code": row.grid_code,
            "replayed": replayed, "warnings": warnings}
    return web.json_response(body, status=200 if replayed else 201)


@routes.post("/enrol")
async def enrol(request: web.Request) -> web.Response:
    """A phone trades the code of its QR code for its own token (once)."""
    body: EnrolIn = await body_of(request, EnrolIn)
    token = new_token()
    device = await request.config_dict[STORE].enrol_device(body.code, token)
    if device is None:
        raise ApiError(400, "field_enrol_invalid", at="code")
    return web.json_response({"token": token, "device_id": device.id, "username": device.username}, status=201)


@routes.get("/me")
async def me(request: web.Request) -> web.Response:
    user = await field_user(request)
    store, settings = request.config_dict[STORE], request.config_dict[SETTINGS].field
    locator = request.config_dict[PIPELINE].locator
    codes = await store.grids_of(user.username)
    cells = {c.grid_code: c for c in locator.grids.cells} if locator else {}
    grids = [{"grid_code": code, "street": cells[code].street if code in cells else None,
              "community": cells[code].community if code in cells else None} for code in codes]
    return web.json_response({"username": user.username, "role": user.role, "language": user.language, "grids": grids,
                              **dict(zip(("on_duty", "share_track"), await store.duty(user.username))),
                              "limits": {"max_accuracy_m": settings.max_accuracy_m, "warn_accuracy_m": settings.warn_accuracy_m}})


@routes.post("/photos")
async def upload_photo(request: web.Request) -> web.Response:
    """A photo (raw JPEG, PNG or WebP): named by its content, so sending it again stores nothing twice."""
    await field_user(request)
    return web.json_response(await store_photo(request), status=201)


@routes.get("/where")
async def where(request: web.Request) -> web.Response:
    """What the report form fills in from a fix: grid, street, community, nearest road, and whether it may be sent."""
    user = await field_user(request)
    fix = FixIn.model_validate({k: request.query.get(k) for k in ("lat", "lon", "accuracy_m", "crs") if k in request.query})
    grids = await request.config_dict[STORE].grids_of(user.username)
    place = place_of(request, grids, fix)
    limit = request.config_dict[SETTINGS].field.grid_margin_m
    return web.json_response(place | {"inside": place["outside_m"] is not None and place["outside_m"] <= limit})


@routes.get("/classes")
async def classes(request: web.Request) -> web.Response:
    """The picker's entries: families (by their members' names too) and the classes of no family."""
    tables, families = request.config_dict[TABLES], load_families()
    lang = request_language(request)
    items = [{"id": f.family_id, "name": f.display_name(lang),
              "also": sorted({tables.label(m, lang, major=False) or m for m in f.members if m in tables})} for f in families]
    items += [{"id": c.class_id, "name": tables.label(c.class_id, lang, major=False), "also": []}
              for c in tables.classes() if families.family_of(c.class_id) is None]
    return web.json_response({"items": items})


@routes.post("/suggest")
async def suggest(request: web.Request) -> web.Response:
    """The classifier's likeliest entries of the picker for a typed note (its family where the class has one)."""
    await field_user(request)
    body: SuggestIn = await body_of(request, SuggestIn)
    classifier = request.config_dict[PIPELINE].classifier
    if not body.note.strip() or classifier is None:
        return web.json_response({"choices": []})
    lang, tables, families = request_language(request), request.config_dict[TABLES], load_families()
    result = classifier.classify(body.note, channel=Channel.SUPERVISOR.value, language=lang)
    ranked = ([result.class_id] if result.class_id else []) + [c.class_id for c in result.candidates]
    choices: dict[str, str] = {}
    for class_id in ranked:
        family = families.family_of(class_id)
        if family is not None:
            choices.setdefault(family.family_id, family.display_name(lang))
        elif class_id in tables:
            choices.setdefault(class_id, tables.label(class_id, lang, major=False) or class_id)
    return web.json_response({"choices": [{"id": k, "name": v} for k, v in list(choices.items())[:CLASS_CHOICES]]})


@routes.post("/reports")
async def post_report(request: web.Request) -> web.Response:
    user = await field_user(request)
    body: FieldReportIn = await body_of(request, FieldReportIn)
    store = request.config_dict[STORE]
    skew = skew_of(body.sent_at)
    warnings = clock_warnings(request, skew)
    previous = await store.field_report(str(body.id))
    if previous is not None:
        if previous.username != user.username:
            raise ApiError(409, "field_report_id_taken", at="id", id=str(body.id))
        return await report_answer(request, previous, True, warnings)
    warnings += check_fix(request, body.fix, bool(body.photos))
    assert body.fix is not None
    grids = await store.grids_of(user.username)
    place = place_of(request, grids, body.fix)
    check_grids(request, grids, place)
    text = body.note or class_name(request, body.class_id, body.language) or "-"
    made_at = on_server_clock(body.made_at, skew)
    report = ReportIn(text=text, channel=CHANNEL_OF_ROLE[user.role], language=body.language, location=body.fix.point(),
                      media=[{"url": p.url, "content_type": p.content_type} for p in body.photos], client_ref=str(body.id),
                      class_id=body.class_id, received_at=made_at)
    if len(report.text) > request.config_dict[SETTINGS].intake.max_text_chars:
        raise ApiError(400, "text_too_long", at="note", limit=request.config_dict[SETTINGS].intake.max_text_chars)
    try:
        result = await request.config_dict[PIPELINE].submit(report, actor=f"field:{user.username}")
    except UnknownClass as exc:
        raise ApiError(400, "unknown_class", at="class_id", class_id=exc.class_id) from None
    row = await store.remember_field_report(FieldReportRow(
        id=str(body.id), report_id=result.report_id, case_id=result.case_id, username=user.username, device_id=user.device_id,
        grid_code=place["grid_code"], accuracy_m=body.fix.accuracy_m, taken_at=made_at, received_at=utcnow(),
        clock_skew_s=skew.total_seconds(), photos=[p.model_dump() for p in body.photos]))
    return await report_answer(request, row, False, warnings)


def task_json(request: web.Request, task: FieldTaskRow, case: CaseRow, media: list[dict[str, str]]) -> dict[str, Any]:
    lang = request_language(request)
    tables = request.config_dict[TABLES]
    return {
        "id": task.id, "kind": task.kind, "kind_name": (KIND_NAMES_EN if lang == "en" else KIND_NAMES)[task.kind],
        "status": task.status, "note": task.note, "due_at": as_utc(task.due_at).isoformat(),
        "results": [{"id": r, "name": (RESULT_NAMES_EN if lang == "en" else RESULT_NAMES)[r]} for r in RESULTS[task.kind]],
        "case": {"number": case_number(case.id, case.created_at), "text": case.text, "address": case.address, "grid_code": case.grid_code,
                 "lat": case.lat, "lon": case.lon, "class": tables.label(case.class_id, lang) if case.class_id else None,
                 "photos": [m for m in media if m.get("content_type", "").startswith("image/")]},
    }


@routes.get("/tasks")
async def list_tasks(request: web.Request) -> web.Response:
    user = await field_user(request)
    store = request.config_dict[STORE]
    found = await request.config_dict[FIELDWORK].tasks_of(user.username, await store.grids_of(user.username))
    items = []
    for task, case in found:
        async with store.transaction() as tx:
            media = await tx.media_of_case(case.id)
        items.append(task_json(request, task, case, media))
    return web.json_response({"tasks": items})


def fieldwork_error(exc: FieldworkError) -> ApiError:
    return ApiError(exc.status, exc.code, **exc.params)


@routes.post("/tasks/{task_id}/take")
async def take_task(request: web.Request) -> web.Response:
    user = await field_user(request)
    try:
        task = await request.config_dict[FIELDWORK].take(request.match_info["task_id"], user.username)
    except FieldworkError as exc:
        raise fieldwork_error(exc) from None
    return web.json_response({"id": task.id, "status": task.status})


@routes.post("/tasks/{task_id}/answer")
async def answer_task(request: web.Request) -> web.Response:
    user = await field_user(request)
    body: AnswerIn = await body_of(request, AnswerIn)
    skew = skew_of(body.sent_at)
    photos = [{"url": p.url, "content_type": p.content_type, "phase": p.phase} for p in body.photos]
    try:
        task, fresh = await request.config_dict[FIELDWORK].answer(
            request.match_info["task_id"], user.username, str(body.answer_id), body.result, body.note, photos, on_server_clock(body.answered_at, skew))
    except FieldworkError as exc:
        raise fieldwork_error(exc) from None
    return web.json_response({"id": task.id, "status": task.status, "result": task.result, "replayed": not fresh,
                              "warnings": clock_warnings(request, skew)}, status=201 if fresh else 200)


@routes.post("/duty")
async def set_duty(request: web.Request) -> web.Response:
    user = await field_user(request)
    body: DutyIn = await body_of(request, DutyIn)
    row = await request.config_dict[STORE].set_duty(user.username, body.on_duty, body.share_track)
    return web.json_response({"on_duty": row.on_duty, "share_track": row.share_track})


@routes.post("/track")
async def post_track(request: web.Request) -> web.Response:
    """A batch of patrol positions, taken only from an account that consented to its track."""
    user = await field_user(request)
    body: TrackIn = await body_of(request, TrackIn)
    store = request.config_dict[STORE]
    if not (await store.duty(user.username))[1]:
        raise ApiError(409, "field_track_no_consent")
    skew = skew_of(body.sent_at)
    points = []
    for point in body.points:
        lat, lon = to_wgs84(point.lat, point.lon, PointIn(lat=point.lat, lon=point.lon, crs=point.crs).crs)
        points.append((on_server_clock(point.at, skew), lat, lon, point.accuracy_m))
    stored = await store.add_track(user.username, points)
    return web.json_response({"stored": stored, "known": len(points) - stored, "warnings": clock_warnings(request, skew)})

