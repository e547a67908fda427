"""Health, readiness, metrics, the published schema and OpenAPI, and redaction of logs."""
from __future__ import annotations

import logging
import re
from typing import Any

import jsonschema
import pytest
from aiohttp.test_utils import make_mocked_request
from sqlalchemy.exc import IntegrityError

from gateway.i18n import message
from gateway.logs import RedactingFilter
from gateway.metrics import metrics_endpoint
from gateway.privacy import mask_numbers
from gateway.store.engine import create_engine
from gateway.store.models import ReportRow
from gateway.store.store import Store, utcnow
from tests.core.conftest import SECRET, Api, make_settings, start_api
from tests.support.receiver import Receiver


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
    assert mask_numbers("+86 138 1234 5678") == "+** *** **** 5678"
    assert mask_numbers("tel 021-62345678") == "tel ***-****5678"
    assert mask_numbers("case 20261122000042 at 2026-11-22 20:01:29") == "case 20261122000042 at 2026-11-22 20:01:29"


@pytest.mark.parametrize(
    "line, masked",
    [
        ("请回电13912345678", "请回电*******5678"),
        ("回电13912345678谢谢", "回电*******5678谢谢"),
        ("dial tel:13912345678 now", "dial tel:*******5678 now"),
        ("from sip:+8613912345678@trunk.example", "from sip:+*********5678@trunk.example"),
        ("座机0512-67891234找物业", "座机****-****1234找物业"),
        ("0086 139 1234 5678", "**** *** **** 5678"),
        ("请回电１３９１２３４５６７８", "请回电*******５６７８"),
        ("身份证号32010219900307123X，请核实", "身份证号**************123X，请核实"),
        ("id 320102199003071234", "id **************1234"),
        ("2026-11-22 13912345678", "2026-11-22 *******5678"),
        ("case 20261122000042 13912345678", "case 20261122000042 *******5678"),
    ],
)
def test_phone_and_id_numbers_are_masked_next_to_chinese_after_tel_and_in_full_width(line: str, masked: str) -> None:
    assert mask_numbers(line) == masked


def test_masking_leaves_tokens_that_only_contain_digits_alone() -> None:
    for line in ("uuid 5f3e1c2a-1234-5678-9abc-def012345678", "at 31.3126,120.6104", "http://127.0.0.1:8080/cases/20261122000042",
                 "took 1764627379.123", "2026年11月22日 20:01:29"):
        assert mask_numbers(line) == line


async def test_a_failing_batch_is_logged_without_the_citizens_words(database_url: str) -> None:
    """An error of one statement names the statement, never the parameters (other citizens' texts and numbers)."""
    store = Store(create_engine(database_url))
    now = utcnow()
    rows = [ReportRow(received_at=now, channel="api", language="zh", text=words, media=[], client_ref="same-ref")
            for words in ("楼下王先生家门口的井盖丢了", "请回电13912345678，垃圾三天没人收")]
    try:
        with pytest.raises(IntegrityError) as caught:
            async with store.transaction() as tx:
                tx.session.add_all(rows)
    finally:
        await store.close()
    logged = str(caught.value)
    assert "INSERT INTO reports" in logged
    assert "王先生" not in logged and "13912345678" not in logged and "垃圾三天" not in logged


METRICS_TOKEN = "metrics-token-0123456789abcdef"


async def test_metrics_without_a_token_are_served_to_this_machine_only(api: Api) -> None:
    assert (await api.client.get("/metrics")).status == 200
    proxied = await api.client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9", "Accept-Language": "zh-CN"})
    assert proxied.status == 403
    assert (await proxied.json())["error"] == {"code": "metrics_local_only", "message": message("metrics_local_only", "zh")}
    assert "gateway_reports_total" not in await proxied.text()
    for forwarded in ({"Forwarded": "for=203.0.113.9"}, {"X-Real-IP": "203.0.113.9"}):
        assert (await api.client.get("/metrics", headers=forwarded)).status == 403
    remote = make_mocked_request("GET", "/metrics", app=api.client.app, transport=PeerTransport(("203.0.113.9", 40000)))
    assert (await metrics_endpoint(remote)).status == 403
    local = make_mocked_request("GET", "/metrics", app=api.client.app, transport=PeerTransport(("::1", 40000, 0, 0)))
    assert (await metrics_endpoint(local)).status == 200


async def test_metrics_with_a_token_need_it_from_everywhere(aiohttp_client: Any, database_url: str, redis_url: str, receiver: Receiver) -> None:
    settings = make_settings(database_url, redis_url, receiver.url).model_copy(update={"metrics_token": METRICS_TOKEN})
    api = await start_api(aiohttp_client, settings)
    try:
        for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789abcdef"}, {"Authorization": METRICS_TOKEN}):
            refused = await api.client.get("/metrics", headers=headers | {"Accept-Language": "en"})
            assert refused.status == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
            assert (await refused.json())["error"]["message"] == message("metrics_token_required", "en")
        allowed = await api.client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}", "X-Forwarded-For": "203.0.113.9"})
        assert allowed.status == 200 and "gateway_intake_seconds" in await allowed.text()
    finally:
        await api.store.close()


class PeerTransport:
    """What aiohttp asks a transport for the client's address."""

    def __init__(self, peer: tuple[Any, ...]) -> None:
        self.peer = peer

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.peer if name == "peername" else default

    def is_closing(self) -> bool:
        return False
