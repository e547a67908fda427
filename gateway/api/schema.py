"""Published contracts: JSON Schema of the case payload and the OpenAPI description of API v1."""
from __future__ import annotations

from functools import cache
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from gateway.api.callbacks import CallbackIn
from gateway.api.cases import ClassDecision
from gateway.domain import ReportIn
from gateway.payload import CasePayload

routes = web.RouteTableDef()
REF = "#/components/schemas/"


def _component(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(by_alias=True, ref_template=REF + "{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": REF + model.__name__}


def _json(ref: dict[str, str]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": ref}}}


@cache
def openapi() -> dict[str, Any]:
    components: dict[str, Any] = {}
    report, case, callback, decision = (_component(m, components) for m in (ReportIn, CasePayload, CallbackIn, ClassDecision))
    error = {"description": "Error in the request's language", **_json({"$ref": REF + "Error"})}
    components["Error"] = {
        "type": "object",
        "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}},
    }
    secured = [{"apiKey": []}]
    number = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Intake gateway API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "components": {"schemas": components, "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/reports": {"post": {"summary": "Submit a report", "security": secured, "requestBody": _json(report),
                                  "responses": {"201": {"description": "Accepted (committed)"}, "200": {"description": "Same client_ref seen before"}, "400": error, "401": error, "413": error}}},
            "/cases": {"get": {"summary": "List cases", "security": secured, "parameters": [
                {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("status", "overdue", "class_id", "channel", "since", "until", "limit", "offset", "edition")],
                "responses": {"200": {"description": "A page of cases"}, "400": error}}},
            "/cases/{number}": {"get": {"summary": "One case with its timeline", "security": secured, "parameters": [number],
                                        "responses": {"200": {"description": "The case"}, "404": error}}},
            "/cases/{number}/class": {"post": {"summary": "An agent's class decision", "security": secured, "parameters": [number],
                                               "requestBody": _json(decision), "responses": {"200": {"description": "The case"}, "400": error, "404": error}}},
            "/platforms/{platform_id}/callbacks": {"post": {"summary": "A platform's status change, signed with X-Gateway-Signature",
                                                            "parameters": [{"name": "platform_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                                                            "requestBody": _json(callback),
                                                            "responses": {"200": {"description": "Applied"}, "401": error, "409": error}}},
            "/deliveries": {"get": {"summary": "Outbox rows (status=dead for dead letters)", "security": secured, "responses": {"200": {"description": "Deliveries"}}}},
            "/deliveries/{delivery_id}/replay": {"post": {"summary": "Replay a dead letter", "security": secured,
                                                          "parameters": [{"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                                                          "responses": {"200": {"description": "Queued again"}, "409": error}}},
            "/schema/case.json": {"get": {"summary": "JSON Schema of the case payload sent to platforms", "responses": {"200": {"description": "Schema"}}}},
            "/media": {"post": {"summary": "Upload a photo (raw JPEG, PNG or WebP body); EXIF is stripped, GPS returned", "security": secured,
                                "requestBody": {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}},
                                "responses": {"201": {"description": "Stored: url, content_type, gps"}, "400": error, "413": error}}},
            "/openapi.json": {"get": {"summary": "This description", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
            "/cases/nearby": {"get": {"summary": "Open cases near a point, nearest first, with distance and text similarity", "security": secured,
                                      "parameters": [{"name": n, "in": "query", "schema": {"type": "string"}} for n in ("lat", "lon", "crs", "class", "radius", "text", "limit")],
                                      "responses": {"200": {"description": "Candidates"}, "400": error}}},
            "/cases/{number}/merge": {"post": {"summary": "Merge this case into another (body: {into})", "security": secured, "parameters": [number],
                                               "responses": {"200": {"description": "The case that keeps the reports"}, "404": error, "409": error}}},
            "/cases/{number}/feedback": {"post": {"summary": "A reporter's satisfaction answer on a closed case (body: {answer, channel, comment})", "security": secured,
                                                  "parameters": [number], "responses": {"200": {"description": "The case"}, "400": error, "409": error}}},
            "/cases/{number}/unmerge": {"post": {"summary": "Undo a merge", "security": secured, "parameters": [number],
                                                 "responses": {"200": {"description": "The restored case"}, "409": error}}},
            "/stats/satisfaction": {"get": {"summary": "回访 answers and the satisfaction rate", "security": secured,
                                            "parameters": [{"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}],
                                            "responses": {"200": {"description": "Counts and rate"}, "400": error}}},
            "/classify": {"post": {"summary": "Classify a text, with the explanation", "security": secured, "responses": {"200": {"description": "Class and alternatives"}, "400": error, "503": error}}},
            "/rules": {"get": {"summary": "Rule-set versions", "security": secured, "responses": {"200": {"description": "Versions"}}},
                       "post": {"summary": "Store a new rule-set version (inactive)", "security": secured, "responses": {"201": {"description": "Stored"}, "400": error}}},
            "/rules/{version}": {"get": {"summary": "One rule-set version", "security": secured, "responses": {"200": {"description": "Version"}, "404": error}}},
            "/rules/{version}/activate": {"post": {"summary": "Activate a version (every process reloads within seconds)", "security": secured,
                                                   "responses": {"200": {"description": "Activated"}, "404": error}}},
            "/corrections": {"get": {"summary": "Class corrections made by people", "security": secured, "responses": {"200": {"description": "Corrections"}}}},
            "/classifier/retrain": {"post": {"summary": "Queue a retraining from corpus and corrections", "security": secured, "responses": {"202": {"description": "Queued"}}}},
            "/classifier/retrain/{job_id}": {"get": {"summary": "State of a retraining job", "security": secured, "responses": {"200": {"description": "Job"}, "404": error}}},
            "/classifier/versions": {"get": {"summary": "Model versions and their evaluation reports", "security": secured, "responses": {"200": {"description": "Versions"}}}},
        },
        "webhooks": {"case": {"post": {"summary": "A case delivered to a platform (headers X-Gateway-Event, X-Gateway-Delivery, X-Gateway-Signature)",
                                       "requestBody": _json(case), "responses": {"2XX": {"description": "Received"}}}}},
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
