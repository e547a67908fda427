"""The agents' call-assist screen: call pops over a WebSocket, live class/place/duplicate suggestions, reports for callers."""
from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Literal

from aiohttp import WSCloseCode, WSMsgType, web
from pydantic import BaseModel, ConfigDict, Field

from channels.web.console.auth import console_lang, current_user, login_required, require_csrf
from channels.web.console.callers import caller_history
from gateway.intake.reporters import phone_contact
from channels.web.console.catalogue import TEXTS
from channels.web.console.catalogue import text as console_text
from channels.web.console.cases import case_brief, china_time
from channels.web.console.class_picker import class_options
from channels.web.console.jsonapi import json_errors, refusal
from channels.web.console.pages import render
from channels.web.hints import NEARBY_RADIUS_M, SAME_PROBLEM
from channels.web.mapview import map_view
from classifier import Classifier
from gateway.api.cases import load_case
from gateway.api.errors import read_json
from gateway.appkeys import PIPELINE, SETTINGS, STORE, TABLES
from gateway.calls import call_events
from gateway.domain import Channel, ReportIn
from gateway.location.crs import convert
from gateway.location.dedup import DEFAULT_WINDOW
from gateway.intake.pipeline import Located, UnknownClass
from gateway.store.store import utcnow

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
SOCKETS = web.AppKey("console_sockets", weakref.WeakSet)

TOP_CLASSES = 3
WHY_TOKENS = 4
MAX_TEXT = 2000
POP_KINDS = ("ringing", "answered", "handed_off")
JS_TEXTS = (
    "feed_connecting", "feed_live", "also", "feed_down", "unknown_caller", "none_yet", "confidence", "why", "why_rules", "place_none",
    "grid_code", "coordinates", "nearby_case", "join_case", "result_new", "result_joined", "result_read_back",
    "result_read_back_once", "result_review", "result_status", "result_replayed", "failed", "call_ended", "vm_new", "feed_call",
    "class_required", *(f"call_kind_{kind}" for kind in ("ringing", "answered", "handed_off", "hung_up", "dropped")),
)


@routes.get("/console")
async def console_root(_: web.Request) -> web.Response:
    raise web.HTTPSeeOther("/console/")


@routes.get("/console/")
@login_required()
async def assist_page(request: web.Request) -> web.Response:
    view = map_view(request.app[SETTINGS], request.app[PIPELINE].locator)
    lang = console_lang(request)
    texts = {key: TEXTS[key][lang] for key in JS_TEXTS}
    return render(request, "console/assist.html", {"map": view, "texts": texts | {"pop_kinds": POP_KINDS},
                                                   "classes": class_options(request.app[TABLES], lang)})


@routes.get("/console/ws")
@login_required()
async def call_feed(request: web.Request) -> web.WebSocketResponse:
    """Every call event published on Redis pub/sub, forwarded as JSON until the screen closes.

    If the feed from Redis fails, the socket is closed with "try again later" and the screen reconnects."""
    ws = web.WebSocketResponse(heartbeat=30)
    try:
        await ws.prepare(request)
    except ConnectionResetError:  # the screen left while the feed opened (a reload): normal, nothing to log
        log.debug("call feed for %s: the screen left before the feed opened", current_user(request).username)
        return ws
    request.app[SOCKETS].add(ws)
    events = call_events(request.app[SETTINGS])

    async def forward() -> None:
        async for event in events:
            try:
                await ws.send_json(event.model_dump(mode="json"))
            except ConnectionResetError:  # the screen went away (a reload, a closed tab): nothing to report
                return

    async def listen() -> None:
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                return

    feed, screen = asyncio.create_task(forward()), asyncio.create_task(listen())
    try:
        await asyncio.wait({feed, screen}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (feed, screen):
            task.cancel()
        await asyncio.gather(feed, screen, return_exceptions=True)
        await events.aclose()
    failure = feed.exception() if feed.done() and not feed.cancelled() else None
    if failure is not None and not ws.closed and not screen.done():
        log.warning("call feed for %s lost: %r", current_user(request).username, failure)
        await ws.close(code=WSCloseCode.TRY_AGAIN_LATER)
    return ws


@routes.get("/console/api/callers/{caller}")
@login_required()
@json_errors
async def caller(request: web.Request) -> web.Response:
    """The caller's earlier reports and open cases, newest first."""
    lang, tables = console_lang(request), request.app[TABLES]
    history = await caller_history(request.app[STORE], request.match_info["caller"])
    return web.json_response({
        "reports": [{"text": r.text, "received_at": china_time(r.received_at), "case": case_brief(c, tables, lang)} for r, c in history.reports],
        "open_cases": [case_brief(c, tables, lang) for c in history.open_cases],
    })


def top_classes(classifier: Classifier, request: web.Request, text: str) -> list[dict[str, Any]]:
    """The three likeliest classes with confidence, and why: the words that pushed each one and the rules that fired."""
    explanation = classifier.explain(text, channel=Channel.HOTLINE.value)
    tables, lang, out = request.app[TABLES], console_lang(request), []
    suggestion = explanation["classification"].get("suggestion") or {}
    family = classifier.families.get(suggestion.get("family_id") or "") if suggestion.get("precision") == "family" else None
    if family is not None:
        # The text names the family but not the owner: offered first as the family, filed as the city's default member.
        members = [c for c in explanation["candidates"] if c["class_id"] in family.members]
        out.append({"class_id": family.family_id, "family_only": True, "confidence": suggestion["confidence"],
                    "name": console_text("family_only", lang, family=family.display_name(lang),
                                     member=tables.label(family.default, lang, major=False)),
                    "words": _why(members), "rules": []})
    for candidate in explanation["candidates"]:
        if len(out) == TOP_CLASSES:
            break
        out.append({"class_id": candidate["class_id"], "name": tables.label(candidate["class_id"], lang),
                    "confidence": candidate["confidence"], "words": _why([candidate]), "rules": candidate["rules"]})
    return out


def _why(candidates: Any) -> list[str]:
    """The whole words (or phrases) that pushed the candidates most, first ones first, without repeats or fragments."""
    words: list[str] = []
    for candidate in candidates:
        for feature in candidate["features"]:
            said = feature["phrase"]
            if feature["weight"] <= 0 or not said or any(said in w for w in words):
                continue
            inside = [i for i, w in enumerate(words) if w in said]  # a shorter word it holds gives way to it, in place
            words = [said if i == inside[0] else w for i, w in enumerate(words) if i not in inside[1:]] if inside else words + [said]
    return words[:WHY_TOKENS]


def place_json(located: Located | None, tile_crs: str) -> dict[str, Any] | None:
    """The place in WGS-84, and where to mark it on tiles drawn in `tile_crs`."""
    if located is None:
        return None
    map_lat, map_lon = convert(located.lat, located.lon, "wgs84", tile_crs)
    return {"lat": round(located.lat, 6), "lon": round(located.lon, 6), "label": located.label, "grid_code": located.grid_code,
            "source": located.source, "precision_m": located.precision_m, "map": [round(map_lat, 6), round(map_lon, 6)]}


@routes.get("/console/api/suggest")
@login_required()
@json_errors
async def suggest(request: web.Request) -> web.Response:
    """For the text typed so far (and an address, if given): top classes, the place, and open cases nearby that look the same."""
    text = request.query.get("text", "")[:MAX_TEXT].strip()
    address = request.query.get("address", "")[:300].strip() or None
    pipeline, lang = request.app[PIPELINE], console_lang(request)
    if not text:
        return web.json_response({"classes": [], "place": None, "nearby": []})
    classes = top_classes(pipeline.classifier, request, text) if pipeline.classifier else []
    tables = request.app[TABLES]
    also = [tables.label(a.class_id, lang) for a in pipeline.classifier.classify(text, channel=Channel.HOTLINE.value).also] \
        if pipeline.classifier else []
    located = pipeline.locate(ReportIn(text=text, channel=Channel.HOTLINE, address=address))
    nearby = []
    if located is not None:
        found = await request.app[STORE].nearby_open_cases(located.lat, located.lon, NEARBY_RADIUS_M, utcnow() - DEFAULT_WINDOW)
        for case, distance in found:  # nearest first
            similarity = pipeline.dedup.similarity(text, case.text)
            if similarity >= SAME_PROBLEM:
                nearby.append(case_brief(case, tables, lang, distance_m=round(distance), similarity=round(similarity, 2)))
    return web.json_response({"classes": classes, "also": also, "place": place_json(located, request.app[SETTINGS].tile_crs),
                              "nearby": nearby})


def track_sockets(app: web.Application) -> None:
    """Open call feeds are closed when the server shuts down, so it need not wait for the screens to go."""
    app[SOCKETS] = weakref.WeakSet()

    async def close_all(app: web.Application) -> None:
        for ws in list(app[SOCKETS]):
            await ws.close(code=WSCloseCode.GOING_AWAY)

    app.on_shutdown.append(close_all)


class AgentReport(BaseModel):
    """What the agent submits for a caller."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(max_length=MAX_TEXT)
    address: str | None = Field(default=None, max_length=300)
    class_id: str | None = Field(default=None, max_length=64)
    language: Literal["zh", "en"] = "zh"
    caller: str | None = Field(default=None, max_length=32)
    anonymous: bool = False
    consent: bool = False
    join: str | None = Field(default=None, max_length=32, description="Number of the open case the caller is added to")
    call_id: int | None = None
    submission: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$",
                            description="The screen's key for this report: sent again (a second Ctrl+Enter), it answers with the first")


@routes.post("/console/api/reports")
@login_required()
@json_errors
async def submit_report(request: web.Request) -> web.Response:
    """Report on behalf of the caller (their number as contact, with their consent to updates) or anonymously."""
    require_csrf(request, {})
    settings, store, user = request.app[SETTINGS], request.app[STORE], current_user(request)
    body = AgentReport.model_validate(await read_json(request, settings.intake.max_body_bytes))
    contact = None if body.anonymous or not body.caller else phone_contact(body.caller, body.consent)
    if contact is None and body.caller and not body.anonymous:
        return refusal(request, 400, "caller_invalid", at="caller")
    report = ReportIn(text=body.text, channel=Channel.HOTLINE, language=body.language, address=body.address or None,
                      contact=contact, class_id=body.class_id or None, client_ref=f"console-{body.submission}")
    target = (await load_case(store, body.join)).id if body.join else None
    try:
        result = await request.app[PIPELINE].submit(report, actor=f"agent:{user.username}", join_case=target)
    except UnknownClass as exc:
        return refusal(request, 400, "unknown_class", at="class_id", class_id=exc.class_id)
    if body.call_id is not None:
        await store.call_updated(body.call_id, case_id=result.case_id)
    case = await store.case(result.case_id)
    assert case is not None
    return web.json_response({"case": case_brief(case, request.app[TABLES], console_lang(request)), "joined": result.joined,
                              "needs_review": result.needs_review, "replayed": result.replayed}, status=200 if result.replayed else 201)


@routes.post("/console/")
@login_required()
async def without_script(request: web.Request) -> web.Response:
    """The form sent without scripts: nothing is filed, and the screen says it needs JavaScript."""
    view = map_view(request.app[SETTINGS], request.app[PIPELINE].locator)
    classes = class_options(request.app[TABLES], console_lang(request))
    return render(request, "console/assist.html", {"map": view, "texts": {}, "needs_script": True, "classes": classes}, status=400)
