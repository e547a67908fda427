"""GET /field/v1/openapi.json: the phones' API, described with the same helpers as API v1's."""
from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web

from channels.field.api import AnswerIn, DutyIn, EnrolIn, FieldReportIn, SuggestIn, TrackIn
from gateway.api.schema import _component, _json, _op, _path_param, _query

routes = web.RouteTableDef()
IMAGE = {"content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in ("image/jpeg", "image/png", "image/webp")}}


@cache
def field_openapi() -> dict[str, Any]:
    components: dict[str, Any] = {}
    enrol, report, answer, duty, suggest, track = (_component(m, components) for m in (EnrolIn, FieldReportIn, AnswerIn, DutyIn, SuggestIn, TrackIn))
    components["Error"] = {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}}}
    task = _path_param("task_id", maxLength=36, description="The gateway's id of the task (GET /tasks)")
    fix = [_query("lat", type="number", minimum=-90, maximum=90), _query("lon", type="number", minimum=-180, maximum=180),
           _query("accuracy_m", type="number", minimum=0), _query("crs", type="string", enum=["wgs84", "gcj02", "bd09", "cgcs2000"])]
    for item in fix[:3]:
        item["required"] = True
    return {
        "openapi": "3.1.0",
        "info": {"title": "Field phones API (supervisors and community liaisons)", "version": "1",
                 "description": "Each phone is enrolled from the console (a QR code with a one-time code) and then sends its own "
                                "device token as `Authorization: Bearer`; a revoked phone is refused at once."},
        "servers": [{"url": "/field/v1"}],
        "components": {"schemas": components, "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "description": "device token"}}},
        "paths": {
            "/enrol": {"post": _op("Trade the QR code's one-time code for this phone's token", {"201": "token, device_id, username"},
                                   secured=False, body=_json(enrol))},
            "/me": {"get": _op("The account, its grids, duty and the GPS limits", {"200": "Account"})},
            "/photos": {"post": _op("Upload a photo (raw body); named by content, so a resend stores nothing twice", {"201": "url, content_type"},
                                    body=IMAGE)},
            "/where": {"get": _op("Grid, street, community and nearest road of a fix; whether it lies within the account's grids",
                                  {"200": "Place"}, params=fix)},
            "/classes": {"get": _op("Entries of the class picker: families and the classes of no family", {"200": "Items"}, secured=False)},
            "/suggest": {"post": _op("The classifier's likeliest picker entries for a typed note", {"200": "Choices"}, body=_json(suggest))},
            "/reports": {"post": _op("A report made on the phone (photo and GPS required); the same id sent again answers with the first",
                                     {"201": "Accepted (committed)", "200": "Same id seen before"}, body=_json(report), errors=("409",))},
            "/tasks": {"get": _op("Open 核实 / 核查 tasks offered to or taken by this account, with case, place and photos", {"200": "Tasks"})},
            "/tasks/{task_id}/take": {"post": _op("Take a task offered to this account", {"200": "Taken"}, params=[task], errors=("409",))},
            "/tasks/{task_id}/answer": {"post": _op("Answer a task; the same answer_id sent again is no second answer",
                                                    {"201": "Answered (sent on to the platform)", "200": "Same answer seen before"},
                                                    params=[task], body=_json(answer), errors=("409",))},
            "/duty": {"post": _op("On or off duty (tasks go to those on duty first), and consent to a patrol track", {"200": "Duty"}, body=_json(duty))},
            "/track": {"post": _op("Positions of a patrol (only with consent); a batch sent again adds nothing", {"200": "How many were new"},
                                   body=_json(track), errors=("409",))},
            "/openapi.json": {"get": _op("This description", {"200": "OpenAPI 3.1"}, secured=False)},
        },
    }


@routes.get("/openapi.json")
async def get_field_openapi(_: web.Request) -> web.Response:
    return web.json_response(field_openapi())
