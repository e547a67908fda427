"""Health, readiness, metrics, the published schema and OpenAPI, and redaction of logs."""
from __future__ import annotations

import logging
import re

import jsonschema
import pytest

from gateway.logs import RedactingFilter, mask_phone_numbers
from tests.core.conftest import SECRET, Api


async def test_health_readiness_and_metrics(api: Api) -> None:
    assert (await api.client.get("/healthz")).status == 200
    ready = await api.client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["checks"] == {"database": "ok", "redis": "ok"}
    await api.report(text="路边有人乱扔垃圾", class_id="ev-2013-0110")
    text = await (await api.client.get("/metrics")).text()
    assert 'gateway_reports_total{channel="api",outcome="new"}' in text
    assert "gateway_intake_seconds_bucket" in text


async def test_case_schema_and_openapi_are_published(api: Api) -> None:
    schema = await (await api.client.get("/api/v1/schema/case.json")).json()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert {"case_number", "class", "location", "reports_count", "source"} <= set(schema["properties"])
    spec = await (await api.client.get("/api/v1/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    assert {"/reports", "/cases", "/cases/{number}", "/platforms/{platform_id}/callbacks", "/deliveries"} <= set(spec["paths"])
    documented = set(spec["paths"])
    for resource in api.client.app.router.resources():
        path = resource.canonical
        if path.startswith("/api/v1/"):
            assert re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path.removeprefix("/api/v1")) in documented, path
    report_schema = {"components": spec["components"], "$ref": "#/components/schemas/ReportIn"}
    jsonschema.validate({"text": "井盖丢了", "location": {"lat": 31.3, "lon": 120.6, "crs": "gcj02"}}, report_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"location": {"lat": 31.3}}, report_schema)


def test_log_lines_never_carry_secrets_or_full_phone_numbers(caplog: object) -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "caller %s signed with %s", ("13812345678", SECRET), None)
    RedactingFilter([SECRET]).filter(record)
    line = record.getMessage()
    assert "13812345678" not in line and "5678" in line and SECRET not in line and "***" in line


def test_phone_masking_leaves_case_numbers_and_times_alone() -> None:
    assert mask_phone_numbers("+86 138 1234 5678") == "+** *** **** 5678"
    assert mask_phone_numbers("tel 021-62345678") == "tel ***-****5678"
    assert mask_phone_numbers("case 20261122000042 at 2026-11-22 20:01:29") == "case 20261122000042 at 2026-11-22 20:01:29"
