"""Published contracts: JSON Schema of the case payload and the OpenAPI description of API v1."""
from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from classifier import Rule
from classifier.tables import EDITIONS
from gateway.api.callbacks import CallbackIn, TaskCallbackIn
from gateway.api.cases import NEARBY_TEXT_CHARS, ClassDecision, FeedbackIn, MergeRequest
from gateway.api.classify import ClassifyIn
from gateway.api.rules import RuleSetIn
from gateway.domain import CaseStatus, ReportIn
from gateway.casework.fieldwork import TaskResultPayload
from gateway.location.dedup import HARD_CAP_M
from gateway.delivery.payload import CasePayload
from gateway.store.models import BIGINT_MAX

routes = web.RouteTableDef()
REF = "#/components/schemas/"


def _component(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(by_alias=True, ref_template=REF + "{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": REF + model.__name__}


def _json(ref: dict[str, str]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": ref}}}


SECURED = [{"apiKey": []}]
ERROR_TEXT = {
    "400": "Refused input (nothing changed)", "401": "No valid API key (or, for callbacks, no valid signature)",
    "403": "The key's role may not do this", "404": "Not found", "409": "Conflicts with the case's state",
    "413": "Body too large", "415": "Body not sent as application/json", "503": "Unavailable for now",
}


def _path_param(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", **schema}}


def _query(name: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}}


def _op(summary: str, ok: dict[str, str], *, secured: bool = True, params: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None, errors: tuple[str, ...] = ()) -> dict[str, Any]:
    """One operation with every error it can answer: the key's (401, 403), the path's (404; 400 for a NUL), the query's
    and the body's (400; 413 and 415 for JSON bodies), and those named."""
    codes = set(errors)
    if secured:
        codes |= {"401", "403"}
    if params:
        codes.add("400")
        if any(p["in"] == "path" for p in params):
            codes.add("404")
    if body is not None:
        codes |= {"400", "413"} | ({"415"} if "application/json" in body["content"] else set())
    error = {"content": {"application/json": {"schema": {"$ref": REF + "Error"}}}}
    responses: dict[str, Any] = {status: {"description": text} for status, text in ok.items()}
    responses |= {status: {"description": ERROR_TEXT[status], **error} for status in sorted(codes)}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if secured:
        op["security"] = SECURED
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, **body}
    return op


@cache
def openapi() -> dict[str, Any]:
    components: dict[str, Any] = {}
    report, case, callback, decision, classify_in, rule_set, merge, feedback = (
        _component(m, components) for m in (ReportIn, CasePayload, CallbackIn, ClassDecision, ClassifyIn, RuleSetIn, MergeRequest, FeedbackIn))
    rule = _component(Rule, components)
    task_callback, task_result = _component(TaskCallbackIn, components), _component(TaskResultPayload, components)
    components["RuleSetIn"]["properties"]["rules"]["items"] = rule
    components["Error"] = {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"],
                                 "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}},
    }
    number = _path_param("number", pattern="^[0-9]+$", description="A case number (China date and id) or a bare case id")
    page = [_query("limit", type="integer", minimum=1, maximum=500), _query("offset", type="integer", minimum=0, maximum=BIGINT_MAX)]
    edition = _query("edition", type="string", enum=list(EDITIONS))
    moment = {"type": "string", "format": "date-time"}
    case_filters = [_query("status", type="string", enum=[s.value for s in CaseStatus]), _query("overdue", type="boolean"),
                    _query("class_id", type="string", maxLength=64), _query("channel", type="string", maxLength=20),
                    _query("since", **moment), _query("until", **moment), *page, edition]
    nearby = [_query("lat", type="number", minimum=-90, maximum=90), _query("lon", type="number", minimum=-180, maximum=180),
              _query("crs", type="string", enum=["wgs84", "gcj02", "bd09", "cgcs2000"]), _query("class", type="string", maxLength=64),
              _query("radius", type="number", exclusiveMinimum=0, maximum=HARD_CAP_M), _query("text", type="string", maxLength=NEARBY_TEXT_CHARS),
              _query("limit", type="integer", minimum=1, maximum=100), edition]
    nearby[0]["required"] = nearby[1]["required"] = True
    version = _path_param("version", pattern="^[0-9]+$", description="A rule-set version")
    return {
        "openapi": "3.1.0",
        "info": {"title": "Intake gateway API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": components, "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/reports": {"post": _op("Submit a report", {"201": "Accepted (committed)", "200": "Same client_ref seen before"}, body=_json(report))},
            "/cases": {"get": _op("List cases", {"200": "A page of cases"}, params=case_filters)},
            "/cases/{number}": {"get": _op("One case with its timeline", {"200": "The case"}, params=[number, edition])},
            "/cases/{number}/class": {"post": _op("An agent's class decision", {"200": "The case"}, params=[number, edition], body=_json(decision),
                                                  errors=("409",))},
            "/platforms/{platform_id}/callbacks": {"post": _op(
                "A platform's status change, signed with X-Gateway-Signature", {"200": "Applied"}, secured=False,
                params=[_path_param("platform_id", maxLength=64), {"name": "X-Gateway-Signature", "in": "header", "required": True, "schema": {"type": "string"}}],
                body=_json(callback), errors=("401", "409"))},
            "/platforms/{platform_id}/tasks": {"post": _op(
                "A platform asks for 核实 or 核查 of a case on site (or withdraws it), signed like callbacks; the answer comes back as the "
                "webhook field_task_answered", {"201": "Offered to a supervisor of the case's grid", "200": "Same task_id seen before, or withdrawn"},
                secured=False, params=[_path_param("platform_id", maxLength=64), {"name": "X-Gateway-Signature", "in": "header", "required": True, "schema": {"type": "string"}}],
                body=_json(task_callback), errors=("401", "409"))},
            "/deliveries": {"get": _op("Outbox rows (status=dead for dead letters)", {"200": "Deliveries"},
                                       params=[_query("status", type="string", enum=["pending", "delivering", "delivered", "dead"])])},
            "/deliveries/{delivery_id}/replay": {"post": _op("Replay a dead letter", {"200": "Queued again"}, params=[_path_param("delivery_id", maxLength=36)],
                                                             errors=("409",))},
            "/schema/case.json": {"get": _op("JSON Schema of the case payload sent to platforms", {"200": "Schema"}, secured=False)},
            "/media": {"post": _op("Upload a photo (raw JPEG, PNG or WebP body); EXIF is stripped, GPS returned", {"201": "Stored: url, content_type, gps"},
                                   body={"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                                                     "image/png": {"schema": {"type": "string", "format": "binary"}},
                                                     "image/webp": {"schema": {"type": "string", "format": "binary"}}}})},
            "/openapi.json": {"get": _op("This description", {"200": "OpenAPI 3.1"}, secured=False)},
            "/cases/nearby": {"get": _op("Open cases near a point, nearest first, with distance and text similarity", {"200": "Candidates"}, params=nearby)},
            "/cases/{number}/merge": {"post": _op("Merge this case into another", {"200": "The case that keeps the reports"}, params=[number, edition],
                                                  body=_json(merge), errors=("409",))},
            "/cases/{number}/feedback": {"post": _op("A reporter's satisfaction answer on a closed case", {"200": "The case"}, params=[number, edition],
                                                     body=_json(feedback), errors=("409",))},
            "/cases/{number}/unmerge": {"post": _op("Undo a merge", {"200": "The restored case"}, params=[number, edition], errors=("409",))},
            "/stats/satisfaction": {"get": _op("回访 answers and the satisfaction rate", {"200": "Counts and rate"}, params=[_query("since", **moment)])},
            "/classify": {"post": _op("Classify a text, with the explanation", {"200": "Class and alternatives"}, body=_json(classify_in), errors=("503",))},
            "/rules": {"get": _op("Rule-set versions", {"200": "Versions"}),
                       "post": _op("Store a new rule-set version (inactive)", {"201": "Stored"}, body=_json(rule_set))},
            "/rules/{version}": {"get": _op("One rule-set version", {"200": "Version"}, params=[version])},
            "/rules/{version}/activate": {"post": _op("Activate a version (every process reloads within seconds)", {"200": "Activated"}, params=[version])},
            "/corrections": {"get": _op("Class corrections made by people", {"200": "Corrections"},
                                        params=[_query("limit", type="integer", minimum=1, maximum=1000), page[1]])},
            "/classifier/retrain": {"post": _op("Queue a retraining from corpus and corrections", {"202": "Queued"})},
            "/classifier/retrain/{job_id}": {"get": _op("State of a retraining job", {"200": "Job"},
                                                        params=[_path_param("job_id", pattern="^[A-Za-z0-9_-]{1,100}$", description="The id answered by POST /classifier/retrain")])},
            "/classifier/versions": {"get": _op("Model versions and their evaluation reports", {"200": "Versions"})},
        },
        "webhooks": {"case": {"post": {"summary": "A case delivered to a platform (headers X-Gateway-Event, X-Gateway-Delivery, X-Gateway-Signature)",
                                       "requestBody": _json(case), "responses": {"2XX": {"description": "Received"}}}},
                     "field_task_answered": {"post": {"summary": "A supervisor answered the platform's 核实 / 核查 task (X-Gateway-Event: field.task_answered)",
                                                      "requestBody": _json(task_result), "responses": {"2XX": {"description": "Received"}}}}},
    }


@cache
def case_schema() -> dict[str, Any]:
    schema = CasePayload.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "/api/v1/schema/case.json"
    return schema


@routes.get("/openapi.json")
async def get_openapi(_: web.Request) -> web.Response:
    return web.json_response(openapi())


@routes.get("/schema/case.json")
async def get_case_schema(_: web.Request) -> web.Response:
    return web.json_response(case_schema())
