"""The phones' API as published: every route under /field/v1 is described, and a property-based fuzz from that
description (schemathesis) never gets a 5xx or a status the description does not list."""
from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis import GenerationMode

from gateway.store.field import new_enrol_code, new_token
from channels.field.openapi import field_openapi
from classifier import Classifier
from gateway.app import build_app
from gateway.location import Locator
from gateway.store.clock import utcnow
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.core.conftest import make_settings
from tests.core.test_api_fuzz import CHECKS, ServedGateway
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (shared session fixtures)
from tests.field.conftest import GRID, Field

pytestmark = pytest.mark.slow
EXAMPLES_PER_OPERATION = 40


async def test_every_route_of_the_field_api_is_described(fieldsite: Field) -> None:
    async with fieldsite.client.get("/field/v1/openapi.json") as resp:
        spec = await resp.json()
    documented = set(spec["paths"])
    sub = next(r.get_info()["app"] for r in fieldsite.client.app.router.resources() if r.canonical == "/field/v1")
    routes = [r.canonical for r in sub.router.resources()]
    assert len(routes) >= 10
    for path in routes:
        assert re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path.removeprefix("/field/v1")) in documented, path


@pytest.fixture
def served(sqlite_url: str, redis_url: str, tmp_path: Path, classifier: Classifier, locator: Locator) -> Iterator[tuple[ServedGateway, str]]:  # noqa: F811
    settings = make_settings(sqlite_url, redis_url, "http://127.0.0.1:9/cases").model_copy(update={"media_dir": tmp_path / "media"})
    token = new_token()

    async def enrolled() -> None:
        store = Store(create_engine(settings.database_url, pooled=False))
        name = f"fuzz-{secrets.token_hex(3)}"
        await store.add_user(name, "x", "supervisor")
        await store.set_grids(name, [GRID], "test")
        code = new_enrol_code()
        await store.add_device(name, "phone", code, utcnow() + timedelta(minutes=5), "test")
        assert await store.enrol_device(code, token) is not None
        await store.close()

    asyncio.run(enrolled())
    with ServedGateway(build_app(settings, classifier=classifier, locator=locator, sweeper=False)) as gateway:
        yield gateway, token


def test_no_generated_request_to_the_field_api_gets_a_5xx_or_an_undescribed_answer(served: tuple[ServedGateway, str]) -> None:
    gateway, token = served
    spec = field_openapi()
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter[int] = Counter()
    with requests.Session() as session:
        for operation in operations:
            described = spec["paths"][operation.path][operation.method.lower()]
            modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if described.get("parameters") or described.get("requestBody") else [])
            for mode in modes:
                @given(case=operation.as_strategy(generation_mode=mode), signed=st.booleans())
                @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                def call(case: Any, signed: bool) -> None:
                    headers = {"Authorization": f"Bearer {token}"} if signed else {}
                    response = case.call(base_url=f"{gateway.url}/field/v1", session=session, headers=headers, timeout=30)
                    statuses[response.status_code] += 1
                    case.validate_response(response, checks=CHECKS, headers=headers)

                call()
    assert not any(status >= 500 for status in statuses)
    assert statuses[201] and statuses[400] and statuses[401], statuses
