"""A property-based fuzz of API v1 from its own published OpenAPI description (schemathesis): whatever the generated
request, with an administrator's key, a client's key or none, the answer is never a 5xx, its status is one the
description lists, and its body matches the published schema. The number of examples is bounded (about a minute)."""
from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance, status_code_conformance,
)

from classifier import Classifier
from gateway.api.auth import new_api_key
from gateway.api.schema import openapi
from gateway.app import build_app
from gateway.location import Locator
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import free_port
from tests.core.conftest import make_settings
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (shared session fixtures)

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 100
"""For each operation and each mode (valid requests, and requests that break the description): about 4,000 in all."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance, response_schema_conformance]
REPORT = {"text": "人民路与解放路交叉口的井盖不见了", "channel": "web", "location": {"lat": 31.3, "lon": 120.6}, "class_id": "cp-0101"}


class ServedGateway:
    """The gateway on a real port, on an event loop of its own thread, so the fuzz's blocking client can call it."""

    def __init__(self, app: web.Application) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._app, self._ready, self._stop = app, threading.Event(), threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="fuzzed-gateway", daemon=True)

    def _serve(self) -> None:
        async def main() -> None:
            runner = web.AppRunner(self._app, access_log=None)
            await runner.setup()
            try:
                await web.TCPSite(runner, "127.0.0.1", self.port).start()
                self._ready.set()
                while not self._stop.is_set():
                    await asyncio.sleep(0.05)
            finally:
                await runner.cleanup()

        try:
            asyncio.run(main())
        except BaseException as exc:  # handed to the test, which fails with it
            self._error = exc
            self._ready.set()

    def __enter__(self) -> "ServedGateway":
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None or not self._ready.is_set():
            raise RuntimeError("the gateway did not start") from self._error
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)
        assert not self._thread.is_alive(), "the gateway did not stop"
        if self._error is not None:
            raise self._error


@pytest.fixture
def gateway(sqlite_url: str, redis_url: str, tmp_path: Path, classifier: Classifier, locator: Locator) -> Iterator[tuple[ServedGateway, dict[str, str]]]:  # noqa: F811
    """The gateway with a platform that is never reached (no worker runs), keys of every role and a few cases."""
    settings = make_settings(sqlite_url, redis_url, "http://127.0.0.1:9/cases").model_copy(update={"media_dir": tmp_path / "media"})
    keys = {role: new_api_key() for role in ("client", "agent", "admin")}

    async def add_keys() -> None:
        store = Store(create_engine(settings.database_url, pooled=False))
        for role, key in keys.items():
            await store.add_api_key(f"fuzz-{role}", key, role)
        await store.close()

    asyncio.run(add_keys())
    with ServedGateway(build_app(settings, classifier=classifier, locator=locator, sweeper=False)) as served:
        for text in ("路灯不亮", "垃圾桶满了没人清理", "井盖不见了"):
            resp = requests.post(f"{served.url}/api/v1/reports", json=REPORT | {"text": text}, headers={"Authorization": f"Bearer {keys['client']}"}, timeout=30)
            assert resp.status_code == 201, resp.text
        yield served, keys


def modes(operation: Any) -> list[GenerationMode]:
    """Valid requests for every operation; requests that break the description where it has something to break."""
    described = openapi()["paths"][operation.path][operation.method.lower()]
    return [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if described.get("parameters") or described.get("requestBody") else [])


def test_no_generated_request_gets_a_5xx_or_an_answer_outside_the_published_schema(gateway: tuple[ServedGateway, dict[str, str]]) -> None:
    served, keys = gateway
    schema = schemathesis.openapi.from_dict(openapi())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in openapi()["paths"].values())
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    with requests.Session() as session:
        for operation, mode in ((op, mode) for op in operations for mode in modes(op)):
            @given(case=operation.as_strategy(generation_mode=mode), who=st.sampled_from(["admin", "admin", "agent", "client", None]))
            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def call(case: Any, who: str | None) -> None:
                headers = {"Authorization": f"Bearer {keys[who]}"} if who else {}
                response = case.call(base_url=f"{served.url}/api/v1", session=session, headers=headers, timeout=30)
                sent[operation.label] += 1
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            call()
    elapsed = time.monotonic() - started
    print(f"API fuzz: {sum(sent.values())} requests over {len(sent)} operations in {elapsed:.1f} s; statuses {dict(sorted(statuses.items()))}")
    assert set(sent) == {op.label for op in operations}, "every operation was called"
    assert not any(status >= 500 for status in statuses)


def test_the_description_names_every_path_parameter_body_and_refusal() -> None:
    described = openapi()
    for path, methods in described["paths"].items():
        for method, op in methods.items():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"{(\w+)}", path)), (method, path)
            if op.get("security"):
                assert {"401", "403"} <= set(op["responses"]), (method, path)
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                assert {"400", "413", "415"} <= set(op["responses"]), (method, path)
    bodies = {path: described["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
              for path in ("/classify", "/rules", "/cases/{number}/merge", "/cases/{number}/feedback")}
    assert bodies == {"/classify": "ClassifyIn", "/rules": "RuleSetIn", "/cases/{number}/merge": "MergeRequest", "/cases/{number}/feedback": "FeedbackIn"}
    schemas = described["components"]["schemas"]
    assert schemas["ReportIn"]["properties"]["text"]["minLength"] == 1 and schemas["ClassifyIn"]["properties"]["text"]["minLength"] == 1
    assert schemas["RuleSetIn"]["properties"]["rules"]["items"] == {"$ref": "#/components/schemas/Rule"}
