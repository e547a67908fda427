"""A starting `gateway serve` takes reports before its classifier is loaded, and classifies them once it is."""
from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from classifier import Classifier
from gateway.location import Locator
from gateway.delivery.payload import parse_case_number
from tests.conftest import eventually
from tests.core.conftest import Api, make_settings, start_api
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (session fixtures)
from tests.support.receiver import Receiver

MANHOLE = "人民路和解放路路口的污水井盖不见了，晚上很危险"
VAGUE = "？？？ ！！！"


class Gate:
    """A classifier loader that waits until the test lets it finish (or gives up, so no test can hang on it)."""

    def __init__(self, loaded: Classifier | None) -> None:
        self.loaded = loaded
        self.release = threading.Event()
        self.started = threading.Event()

    def __call__(self) -> Classifier | None:
        self.started.set()
        if not self.release.wait(timeout=120):
            raise RuntimeError("the test never let the classifier load")
        return self.loaded


@pytest.fixture
async def starting(aiohttp_client: Any, tmp_path: Path, database_url: str, redis_url: str, receiver: Receiver,
                   locator: Locator) -> AsyncIterator[Callable[[Gate], Any]]:  # noqa: F811
    apis: list[Api] = []
    gates: list[Gate] = []

    async def start(gate: Gate) -> Api:
        settings = make_settings(database_url, redis_url, receiver.url).model_copy(update={"media_dir": tmp_path / "media"})
        api = await start_api(aiohttp_client, settings, locator=locator, classifier_loader=gate)
        apis.append(api)
        gates.append(gate)
        return api

    yield start
    for gate in gates:
        gate.release.set()
    for api in apis:
        await api.store.close()


async def case_of(api: Api, number: str) -> dict[str, Any]:
    resp = await api.client.get(f"/api/v1/cases/{number}", headers=api.auth())
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_reports_taken_while_the_classifier_loads_are_classified_once_it_is_loaded(
    starting: Callable[[Gate], Any], classifier: Classifier, receiver: Receiver  # noqa: F811
) -> None:
    gate = Gate(classifier)
    api = await starting(gate)
    await eventually(gate.started.is_set)
    assert (await api.client.get("/healthz")).status == 200
    ready = await api.client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["classifier"] == "loading"
    sure = await api.report(text=MANHOLE, location={"lat": 31.3126, "lon": 120.6104})
    vague = await api.report(text=VAGUE)
    assert sure["needs_review"] and vague["needs_review"]
    held = await case_of(api, sure["case_id"])
    assert (held["status"], held["review_reason"]) == ("needs_review", "classifier_loading")
    assert await api.store.deliveries() == [], "nothing goes to platforms before it is classified"

    gate.release.set()
    await eventually(lambda: _status(api, sure["case_id"], "forwarded"))
    case = await case_of(api, sure["case_id"])
    assert case["class"]["major_name"] == "公用设施" and case["class_source"] == "model" and case["review_reason"] is None
    [delivery] = await api.store.deliveries()
    assert delivery.event == "case.created"
    audit = await api.store.audit_of("case", parse_case_number(case["case_id"]) or 0)
    assert [(a.action, a.actor) for a in audit][-2:] == [("classified", "classifier"), ("forwarded", "classifier")]
    still = await case_of(api, vague["case_id"])
    assert still["status"] == "needs_review" and still["review_reason"] not in ("classifier_loading", None)
    assert (await (await api.client.get("/readyz")).json())["classifier"] == "ready"

    after = await api.report(text=MANHOLE.replace("人民路", "干将路"), location={"lat": 31.3, "lon": 120.58})
    assert not after["needs_review"], "a report after the load is classified at once"


async def test_a_held_report_that_repeats_an_open_case_waits_for_an_agent_as_a_possible_duplicate(
    starting: Callable[[Gate], Any], classifier: Classifier  # noqa: F811
) -> None:
    gate = Gate(classifier)
    api = await starting(gate)
    first = await api.report("agent", text=MANHOLE, class_id="cp-0102", location={"lat": 31.3126, "lon": 120.6104})  # an agent's class
    assert not first["needs_review"]
    repeat = await api.report(text=MANHOLE, location={"lat": 31.3126, "lon": 120.6104})
    gate.release.set()
    await eventually(lambda: _reason(api, repeat["case_id"], "possible_duplicate"))
    case = await case_of(api, repeat["case_id"])
    assert case["status"] == "needs_review" and case["possible_duplicate_of"] == first["case_id"]


async def test_without_a_model_held_cases_are_left_to_agents(starting: Callable[[Gate], Any]) -> None:
    gate = Gate(None)  # no trained model on this machine
    api = await starting(gate)
    held = await api.report(text=MANHOLE)
    gate.release.set()
    await eventually(lambda: _reason(api, held["case_id"], "no_classifier"))
    assert (await (await api.client.get("/readyz")).json())["classifier"] == "unavailable"
    assert (await api.report(text=MANHOLE + "。"))["needs_review"]


async def test_cases_held_by_a_process_that_stopped_before_loading_are_classified_by_the_next(
    starting: Callable[[Gate], Any], classifier: Classifier  # noqa: F811
) -> None:
    stopped = Gate(classifier)
    first = await starting(stopped)
    held = await first.report(text=MANHOLE, location={"lat": 31.3126, "lon": 120.6104})
    await first.client.close()  # stops before its classifier is loaded
    stopped.release.set()
    assert (await case_of_in(first, held["case_id"]))["review_reason"] == "classifier_loading"
    loaded = Gate(classifier)
    loaded.release.set()
    second = await starting(loaded)
    await eventually(lambda: _status(second, held["case_id"], "forwarded"))


async def case_of_in(api: Api, number: str) -> dict[str, Any]:
    """The case as stored (the app of `api` may be stopped)."""
    case_id = parse_case_number(number)
    assert case_id is not None
    row = await api.store.case(case_id)
    assert row is not None
    return {"status": row.status, "review_reason": row.review_reason}


async def _status(api: Api, number: str, status: str) -> bool:
    return (await case_of(api, number))["status"] == status


async def _reason(api: Api, number: str, reason: str) -> bool:
    return (await case_of(api, number))["review_reason"] == reason
