"""Live help for the form's script: the likely class, address suggestions, an open case nearby that looks the same.

The class and nearby hints carry the whole text typed so far, so they are asked for with POST and a JSON body (a
letter of a few thousand characters does not fit in a URL); the address hint carries only what was typed in the
address field and stays a GET."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from channels.web.catalogue import text
from channels.web.lang import page_lang
from channels.web.protect import RateLimiter, security_headers
from gateway.api.errors import ApiError, parse_json, read_body, require_json
from gateway.appkeys import PIPELINE, REDIS, SETTINGS, STORE, TABLES
from gateway.domain import Channel, PointIn, ReportIn, status_name
from gateway.i18n import InputError, message
from gateway.location import LocationError
from gateway.location.crs import to_wgs84
from gateway.location.dedup import DEFAULT_WINDOW
from gateway.delivery.payload import case_number
from gateway.privacy import rough_place
from gateway.store.store import utcnow

routes = web.RouteTableDef()

MAX_QUERY = 100
"""Characters of an address typed so far that the address hint looks at."""
SUGGESTIONS = 8
CLASS_CHOICES = 4
NEARBY_RADIUS_M = 250.0
SAME_PROBLEM = 0.3


Handler = Callable[[web.Request], Awaitable[web.Response]]


def answer(request: web.Request, body: dict[str, Any], status: int = 200) -> web.Response:
    response = web.json_response(body, status=status)
    response.headers.update(security_headers(request.config_dict[SETTINGS].tile_url))
    return response


def limited(handler: Handler) -> Handler:
    """Every hint counts against one hourly limit per client address; over it: 429 with a message (the form needs no hint)."""

    @wraps(handler)
    async def within_limit(request: web.Request) -> web.Response:
        limit = request.config_dict[SETTINGS].web.hints_per_ip_per_hour
        if not await RateLimiter(request.config_dict[REDIS]).allow("hints", request.remote or "unknown", limit):
            return answer(request, {"error": text("error_rate_hints", page_lang(request))}, 429)
        return await handler(request)

    return within_limit


async def posted(request: web.Request) -> dict[str, str]:
    """The hint's JSON object (its strings only); ApiError (415, 413, 400) when the body cannot be read."""
    require_json(request)
    body = parse_json(await read_body(request, request.config_dict[SETTINGS].intake.max_body_bytes))
    return {k: v for k, v in body.items() if isinstance(v, str)} if isinstance(body, dict) else {}


def refused(handler: Handler) -> Handler:
    """A body the hint cannot read is answered with its status and the catalogue's message (the form shows no hint)."""

    @wraps(handler)
    async def answering(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return answer(request, {"error": message(exc.code, page_lang(request), **exc.params)}, exc.status)

    return answering


def typed_text(request: web.Request, fields: dict[str, str]) -> str:
    """The description typed so far, as much of it as a report may hold."""
    return fields.get("text", "")[: request.config_dict[SETTINGS].intake.max_text_chars].strip()


@routes.post("/hints/class")
@refused
@limited
async def class_hint(request: web.Request) -> web.Response:
    """The classes the model finds likely for the text so far, best first (empty when no model is loaded)."""
    words = typed_text(request, await posted(request))
    classifier = request.config_dict[PIPELINE].classifier
    if not words or classifier is None:
        return answer(request, {"choices": []})
    lang = page_lang(request)
    result = classifier.classify(words, channel=Channel.WEB.value, language=lang)
    tables = request.config_dict[TABLES]
    ranked = ([result.class_id] if result.class_id else []) + [c.class_id for c in result.candidates if c.class_id != result.class_id]
    choices = [{"class_id": cid, "name": tables.label(cid, lang, major=False)} for cid in ranked if cid in tables][:CLASS_CHOICES]
    return answer(request, {"likely": result.class_id is not None, "choices": choices})


@routes.get("/hints/address")
@limited
async def address_hint(request: web.Request) -> web.Response:
    """Names of the city's gazetteer (roads, estates, landmarks) containing what was typed, shortest first."""
    typed = request.query.get("q", "")[:MAX_QUERY].strip()
    locator = request.config_dict[PIPELINE].locator
    if not typed or locator is None:
        return answer(request, {"suggestions": []})
    names = {name for name, _ in locator.gazetteer.names() if typed in name}
    return answer(request, {"suggestions": sorted(names, key=lambda n: (not n.startswith(typed), len(n), n))[:SUGGESTIONS]})


@routes.get("/hints/place")
@limited
async def place_hint(request: web.Request) -> web.Response:
    """Where a point from the device or the map is, in words (the nearest junction, estate, landmark or road); null far
    from every known place or for a point that is none."""
    locator = request.config_dict[PIPELINE].locator
    try:
        point = PointIn(lat=float(request.query["lat"]), lon=float(request.query["lon"]), crs=request.query.get("crs") or "wgs84")
        lat, lon = to_wgs84(point.lat, point.lon, point.crs)
    except (KeyError, ValueError, ValidationError, InputError, LocationError):
        return answer(request, {"place": None})
    return answer(request, {"place": locator.describe(lat, lon, page_lang(request)) if locator is not None else None})


@routes.post("/hints/nearby")
@refused
@limited
async def nearby_hint(request: web.Request) -> web.Response:
    """The open case near the place given that most resembles the text, with how often it was reported: told by its class,
    rough place and status, as the public status page shows it."""
    lang = page_lang(request)
    query = await posted(request)
    words = typed_text(request, query)
    pipeline = request.config_dict[PIPELINE]
    try:
        point = PointIn(lat=float(query["lat"]), lon=float(query["lon"]), crs=query.get("crs") or "wgs84") if query.get("lat") and query.get("lon") else None
        report = ReportIn(text=words or "-", channel=Channel.WEB, location=point, address=query.get("address", "")[:300] or None)
        located = pipeline.locate(report) if (point or report.address) else None
    except (ValueError, ValidationError, InputError, LocationError):
        located = None
    if not words or located is None:
        return answer(request, {"case": None})
    found = await request.config_dict[STORE].nearby_open_cases(located.lat, located.lon, NEARBY_RADIUS_M, utcnow() - DEFAULT_WINDOW)
    scored = sorted(((pipeline.dedup.similarity(words, case.text), case) for case, _ in found), key=lambda item: -item[0])
    if not scored or scored[0][0] < SAME_PROBLEM:
        return answer(request, {"case": None})
    case = scored[0][1]
    number = case_number(case.id, case.created_at)
    # What the public may read of another citizen's case: its class, a rough place, status and count, never their words.
    category = request.config_dict[TABLES].label(case.class_id, lang, major=False) if case.class_id else text("unknown", lang)
    place = rough_place(case.address, case.lat, case.lon, pipeline.locator) or text("unknown", lang)
    message = text("duplicate_hint", lang, count=case.reports_count, status=status_name(case.status, lang), category=category, place=place)
    return answer(request, {"case": number, "reports_count": case.reports_count, "message": message})
