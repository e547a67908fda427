"""Administrator rule sets, the classify endpoint and the learning loop, on real Redis, SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from classifier import Classifier, load_tables
from classifier.corpus import read_examples
from classifier.registry import ModelStore, default_model_dir
from gateway.appkeys import PIPELINE
from gateway.rules import CHANNEL, MODEL, correction_lines, export_corrections
from gateway.settings import Settings
from gateway.store.models import CorrectionRow
from tests.conftest import RedisServer, eventually
from tests.core.conftest import Api, make_settings, start_api

REPO = Path(__file__).resolve().parents[2]
TEXT = "东门小区门口的垃圾桶满了好几天没人清理，垃圾堆了一地"
FORCE_A, FORCE_B = "ev-2013-0101", "ev-2013-0102"


def rule(rule_id: str, class_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": rule_id, "class_id": class_id, "any_of": ["东门"], "action": "force", **fields}


@pytest.fixture(scope="session")
def trained() -> Classifier:
    """The project's trained model (`python -m classifier train`), loaded once."""
    return Classifier.load()


@pytest.fixture
def new_classifier(trained: Classifier) -> Callable[[], Classifier]:
    """A classifier per app instance: the same model, its own rules, as in separate processes."""
    return lambda: Classifier(trained.model, trained.segmenter, threshold=trained.threshold, version=trained.version)


StartApi = Callable[..., Awaitable[Api]]


@pytest.fixture
async def start(aiohttp_client: Any, database_url: str, redis_url: str, new_classifier: Callable[[], Classifier]) -> AsyncIterator[StartApi]:
    """Starts app instances on one database and one Redis; each has its own classifier."""
    started: list[Api] = []

    async def run(settings: Settings | None = None, **parts: Any) -> Api:
        api = await start_api(aiohttp_client, settings or make_settings(database_url, redis_url, None), **({"classifier": new_classifier()} | parts))
        started.append(api)
        return api

    yield run
    for api in started:
        await api.store.close()


async def classify(api: Api, text: str = TEXT, lang: str | None = None, **body: Any) -> tuple[int, dict[str, Any]]:
    resp = await api.client.post("/api/v1/classify", json={"text": text, **body}, headers=api.auth("client", lang))
    return resp.status, await resp.json()


async def class_of(api: Api, text: str = TEXT) -> str | None:
    status, body = await classify(api, text)
    assert status == 200, body
    return body["class_id"]


async def post_rules(api: Api, rules: list[Any], lang: str | None = None, comment: str = "test") -> tuple[int, dict[str, Any]]:
    resp = await api.client.post("/api/v1/rules", json={"rules": rules, "comment": comment}, headers=api.auth("admin", lang))
    return resp.status, await resp.json()


async def activate(api: Api, version: int) -> dict[str, Any]:
    resp = await api.client.post(f"/api/v1/rules/{version}/activate", headers=api.auth("admin"))
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def subscribers(api: Api, count: int) -> None:
    """Wait until `count` processes listen on the rules channel, so that no announcement is missed."""
    client = redis.Redis.from_url(api.settings.redis_url or "")
    await eventually(lambda: dict(client.pubsub_numsub(CHANNEL)).get(CHANNEL.encode(), 0) >= count)
    client.close()


BAD_RULES = [
    (rule("r-regex", FORCE_A, regex="(unclosed"), "rule_bad_regex", "rules.1.regex", "r-regex"),
    (rule("r-redos", FORCE_A, regex="(a+)+$"), "rule_regex_backtracks", "rules.1.regex", "(a+)+$"),
    (rule("r-long", FORCE_A, regex="井" * 201), "rule_regex_too_long", "rules.1.regex", "200"),
    (rule("r-first", FORCE_A, priority=5000), "rule_bad_priority", "rules.1.priority", "1000"),
    (rule("r-class", "ev-0000-0000"), "rule_unknown_class", "rules.1.class_id", "ev-0000-0000"),
    (rule("r-empty", FORCE_A, any_of=["井盖", "  "]), "rule_empty_keyword", "rules.1.any_of", "any_of"),
    ({"id": "r-none", "class_id": FORCE_A, "action": "force"}, "rule_no_condition", "rules.1", "r-none"),
    (rule("r-boost", FORCE_A, action="boost"), "rule_needs_boost", "rules.1", "r-boost"),
    (rule("r-ok", FORCE_A, colour="red"), "rule_invalid_field", "rules.1.colour", "colour"),
    (rule("r-ok", FORCE_B), "rule_duplicate_id", "rules.1.id", "r-ok"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_invalid_rules_are_refused_by_name_and_nothing_is_stored(start: StartApi, lang: str) -> None:
    api = await start()
    for bad, code, field, named in BAD_RULES:
        status, body = await post_rules(api, [rule("r-ok", FORCE_A), bad], lang)
        assert status == 400, (bad, body)
        assert body["error"]["code"] == code and body["error"]["field"] == field
        assert named in body["error"]["message"]
        assert ("规则" in body["error"]["message"]) is (lang == "zh"), body
    resp = await api.client.get("/api/v1/rules", headers=api.auth("admin"))
    assert (await resp.json())["items"] == []
    assert await api.store.audit_of("rules", 1) == []


async def test_rule_sets_are_versioned_with_author_and_comment(start: StartApi) -> None:
    api = await start()
    assert (await post_rules(api, [rule("r1", FORCE_A)], comment="first"))[0] == 201
    status, second = await post_rules(api, [rule("r1", FORCE_B), rule("r2", FORCE_A, any_of=["西门"])], comment="second")
    assert status == 201 and second["version"] == 2 and second["active"] is False
    listing = await (await api.client.get("/api/v1/rules", headers=api.auth("admin"))).json()
    assert listing["active"] is None and listing["loaded"] is None
    assert [(i["version"], i["rules_count"], i["comment"]) for i in listing["items"]] == [(2, 2, "second"), (1, 1, "first")]
    one = await (await api.client.get("/api/v1/rules/1", headers=api.auth("admin"))).json()
    assert one["author"] == "api:test-admin" and one["rules"][0]["class_id"] == FORCE_A and one["rules"][0]["any_of"] == ["东门"]
    for missing in ("3", "latest"):
        resp = await api.client.get(f"/api/v1/rules/{missing}", headers=api.auth("admin", "en"))
        assert resp.status == 404 and (await resp.json())["error"]["message"] == f"Rule set version {missing} not found."
    assert (await api.client.get("/api/v1/rules", headers=api.auth("agent"))).status == 403
    assert (await api.client.post("/api/v1/rules", json={"rules": []}, headers=api.auth("client"))).status == 403


async def test_activation_reaches_every_process_and_rollback_restores(start: StartApi) -> None:
    first, second = await start(), await start()
    await subscribers(first, 2)
    model_class = await class_of(first)
    assert model_class not in (FORCE_A, FORCE_B) and await class_of(second) == model_class
    await post_rules(first, [rule("east-gate", FORCE_A)])
    await post_rules(first, [rule("east-gate", FORCE_B)])
    assert await class_of(first) == model_class, "a stored version is not active until activated"

    activated = await activate(first, 1)
    assert activated["active"] is True and activated["loaded"] == 1 and activated["notified"] == 2
    assert await class_of(first) == FORCE_A
    await eventually(lambda: _has_class(second, FORCE_A))
    assert await class_of(first, "人行道上的井盖丢了很危险") != FORCE_A, "the rule fires only on its keyword"

    await activate(second, 2)
    await eventually(lambda: _has_class(first, FORCE_B))
    await activate(first, 1)
    assert await class_of(first) == FORCE_A
    await eventually(lambda: _has_class(second, FORCE_A))

    listing = await (await second.client.get("/api/v1/rules", headers=second.auth("admin"))).json()
    assert listing["active"] == 1 and listing["loaded"] == 1
    assert [i["active"] for i in listing["items"]] == [False, True]
    actions = [(a.action, a.actor, (a.detail or {}).get("previous")) for a in await first.store.audit_of("rules", 1)]
    assert actions == [("created", "api:test-admin", None), ("activated", "api:test-admin", None), ("activated", "api:test-admin", 2)]


async def _has_class(api: Api, class_id: str) -> bool:
    return await class_of(api) == class_id


async def test_a_process_starting_later_loads_the_active_version(start: StartApi) -> None:
    first = await start()
    await post_rules(first, [rule("east-gate", FORCE_B)])
    await activate(first, 1)
    later = await start()
    assert await class_of(later) == FORCE_B



async def test_activation_while_redis_is_down_arrives_after_reconnect(
    start: StartApi, database_url: str, own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(database_url, own_redis.url, None)
    first, second = await start(settings), await start(settings)
    await subscribers(first, 2)
    await post_rules(first, [rule("east-gate", FORCE_A)])
    own_redis.stop()
    assert (await activate(first, 1))["notified"] is None
    assert await class_of(first) == FORCE_A
    own_redis.start()
    await eventually(lambda: _has_class(second, FORCE_A))
    await subscribers(second, 2)
    assert any("Redis connection lost" in r.getMessage() for r in caplog.records)


async def test_classify_answers_like_the_classifier_command_with_an_explanation(start: StartApi) -> None:
    api = await start()
    status, body = await classify(api, edition="gbt47678-2026")
    assert status == 200
    assert body["needs_review"] is False and body["reason"] is None and body["edition"] == "gbt47678-2026"
    assert body["kind"] in ("event", "component") and body["minor_code"] and body["minor_name"] and body["major_code"]
    assert 0.35 <= body["confidence"] <= 1 and isinstance(body["alternatives"], list)
    assert all(a["edition"] == "gbt47678-2026" and a["class_id"] != body["class_id"] for a in body["alternatives"])
    explanation = body["explanation"]
    assert explanation["model_version"] == api.client.app[PIPELINE].classifier.version
    assert explanation["candidates"][0]["class_id"] == body["class_id"] and explanation["candidates"][0]["features"]
    assert "垃圾桶" in explanation["tokens"]

    status, unsure = await classify(api, "3，，，")
    assert status == 200 and unsure["needs_review"] is True and unsure["reason"] == "no_signal" and unsure["kind"] is None

    # The owner of a manhole cover is not stated: the family is decided, its default member given.
    status, cover = await classify(api, "人行道上的井盖丢了很危险")
    assert status == 200 and cover["needs_review"] is False and cover["precision"] == "family"
    assert cover["family_id"] == "fam-manhole-cover" and cover["class_id"] == "cp-0114"
    status, gas = await classify(api, "人行道上的燃气井盖丢了很危险")
    assert gas["precision"] == "class" and gas["class_id"] == "cp-0111"


async def test_channel_limited_rules_fire_only_on_their_channel(start: StartApi) -> None:
    api = await start()
    await post_rules(api, [rule("sms-only", FORCE_A, channels=["sms"])])
    await activate(api, 1)
    status, by_sms = await classify(api, channel="sms")
    assert status == 200 and by_sms["class_id"] == FORCE_A and by_sms["rule_ids"] == ["sms-only"]
    assert by_sms["explanation"]["rules"][0]["id"] == "sms-only"
    assert await class_of(api) != FORCE_A


@pytest.mark.parametrize(
    ("body", "status", "code", "zh", "en"),
    [
        ({"text": "   "}, 400, "text_required", "请描述问题", "Please describe the problem"),
        ({"text": "x" * 50_000}, 400, "text_too_long", "描述过长（上限 5000 字）", "Description too long (limit 5000 characters)"),
        ({"text": "井盖丢了" * 1300}, 400, "text_too_long", "描述过长", "Description too long"),
        ({"text": "井盖丢了" * 12_500}, 413, "body_too_large", "请求内容过大", "Request body too large"),
        ({"text": TEXT, "edition": "gbt-1999"}, 400, "unknown_edition", "未知的编码标准版本 gbt-1999", "Unknown code edition gbt-1999"),
        ({"text": TEXT, "channel": "pigeon"}, 400, "invalid_field", "字段 channel 无效", "Field channel is invalid"),
        ({"text": TEXT, "colour": "red"}, 400, "invalid_field", "字段 colour 无效", "Field colour is invalid"),
    ],
)
async def test_classify_refuses_bad_input_in_both_languages(
    start: StartApi, body: dict[str, Any], status: int, code: str, zh: str, en: str
) -> None:
    api = await start()
    for lang, expected in (("zh", zh), ("en", en)):
        resp = await api.client.post("/api/v1/classify", json=body, headers=api.auth("client", lang))
        error = (await resp.json())["error"]
        assert resp.status == status and error["code"] == code and expected in error["message"], error


async def test_classify_without_a_model_says_so(start: StartApi) -> None:
    api = await start(classifier=None)
    for lang, expected in (("zh", "分类模型尚未加载"), ("en", "No classification model is loaded")):
        status, body = await classify(api, lang=lang)
        assert status == 503 and expected in body["error"]["message"]
    assert (await api.client.post("/api/v1/classify", json={"text": TEXT})).status == 401


async def _corrected_case(api: Api, text: str, class_id: str) -> str:
    report = await api.report(text=text)
    resp = await api.client.post(f"/api/v1/cases/{report['case_id']}/class", json={"class_id": class_id}, headers=api.auth("agent"))
    assert resp.status == 200, await resp.text()
    return report["case_id"]


async def test_corrections_are_listed_and_exported_for_training(start: StartApi, tmp_path: Path) -> None:
    api = await start()
    case = await _corrected_case(api, TEXT, FORCE_A)
    await _corrected_case(api, "人行道上的井盖丢了\t很危险\n快来修", "cp-0101")
    listing = await (await api.client.get("/api/v1/corrections?limit=10", headers=api.auth("admin"))).json()
    items = listing["items"]
    assert [i["class_id"] for i in items] == ["cp-0101", FORCE_A]
    assert items[1]["case_id"] == case and items[1]["predicted_class_id"] not in (None, FORCE_A) and items[1]["actor"] == "api:agent"
    assert (await api.client.get("/api/v1/corrections", headers=api.auth("agent"))).status == 403

    path = tmp_path / "corrections.tsv"
    assert await export_corrections(api.store, path) == 2
    assert {(e.label, e.text) for e in read_examples(path)} == {(FORCE_A, TEXT), ("cp-0101", "人行道上的井盖丢了 很危险 快来修")}


def test_the_latest_known_decision_per_case_is_exported() -> None:
    def row(row_id: int, case_id: int, class_id: str, text: str = "垃圾 满了") -> CorrectionRow:
        return CorrectionRow(id=row_id, case_id=case_id, text=text, class_id=class_id)

    rows = [row(3, 1, "cp-0101"), row(1, 1, FORCE_A), row(2, 2, FORCE_B, "  \n "), row(4, 3, FORCE_B, "a\tb\r\nc"), row(5, 4, "ev-gone")]
    assert correction_lines(rows, load_tables()) == ["cp-0101\t垃圾 满了", f"{FORCE_B}\ta b c"]


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    """A copy of the trained model directory that retraining may change."""
    target = tmp_path / "models"
    shutil.copytree(default_model_dir(), target)
    return target


async def test_retrain_job_learns_from_corrections_and_serving_processes_load_the_model(
    aiohttp_client: Any, sqlite_url: str, redis_url: str, new_classifier: Callable[[], Classifier], model_copy: Path
) -> None:
    settings = make_settings(sqlite_url, redis_url, None).model_copy(update={"classifier_model_dir": model_copy})
    api = await start_api(aiohttp_client, settings, classifier=new_classifier())
    try:
        old_version = ModelStore(model_copy).active()
        await _corrected_case(api, TEXT, "cp-0101")
        await post_rules(api, [rule("east-gate", FORCE_A)])
        await activate(api, 1)
        job = await retrain_through_worker(api, model_copy)
        assert job["status"] == "finished" and job["error"] is None and job["result"]["corrections"] == 1
        new_version = job["result"]["version"]
        versions = await (await api.client.get("/api/v1/classifier/versions", headers=api.auth("admin"))).json()
        listed = [v["version"] for v in versions["items"]]
        assert listed[0] == new_version and old_version in listed[1:], "newest first, earlier versions kept"
        newest = versions["items"][0]
        assert newest["meta"]["corrections"] == 1 and newest["report"]["compared_with"]["version"] == old_version
        assert newest["active"] is job["result"]["activated"] is (ModelStore(model_copy).active() == new_version)

        if not job["result"]["activated"]:  # gated out on this corpus: an operator activates it by hand and says so
            ModelStore(model_copy).activate(new_version)
            redis.Redis.from_url(redis_url).publish(CHANNEL, MODEL)
        await eventually(lambda: _loaded_model(api, new_version))
        assert await class_of(api) == FORCE_A, "the active rules carry over to the new model"
        missing = await api.client.get("/api/v1/classifier/retrain/no-such-job", headers=api.auth("admin", "en"))
        assert missing.status == 404 and (await missing.json())["error"]["message"] == "Job no-such-job not found."
    finally:
        await api.store.close()


async def test_a_failed_retraining_says_why(aiohttp_client: Any, sqlite_url: str, redis_url: str, tmp_path: Path) -> None:
    not_a_directory = tmp_path / "models"
    not_a_directory.write_text("", encoding="utf-8")
    settings = make_settings(sqlite_url, redis_url, None).model_copy(update={"classifier_model_dir": not_a_directory})
    api = await start_api(aiohttp_client, settings, classifier=None)
    try:
        job = await retrain_through_worker(api, not_a_directory)
        assert job["status"] == "failed" and job["result"] is None
        assert "Error" in job["error"] and str(not_a_directory) in job["error"], job
        assert not_a_directory.is_file()
    finally:
        await api.store.close()


async def retrain_through_worker(api: Api, models: Path) -> dict[str, Any]:
    """Ask for a retraining, run `gateway worker --burst` configured like the API, and answer the job's status."""
    resp = await api.client.post("/api/v1/classifier/retrain", headers=api.auth("admin"))
    assert resp.status == 202
    job_id = (await resp.json())["job_id"]
    env = os.environ | {"GATEWAY_DATABASE_URL": api.settings.database_url, "REDIS_URL": api.settings.redis_url or "", "GATEWAY_CLASSIFIER_MODEL_DIR": str(models)}
    worker = await asyncio.create_subprocess_exec(sys.executable, "-m", "gateway", "worker", "--burst", cwd=REPO, env=env)
    assert await worker.wait() == 0
    return await (await api.client.get(f"/api/v1/classifier/retrain/{job_id}", headers=api.auth("admin"))).json()


async def _loaded_model(api: Api, version: str) -> bool:
    versions = await (await api.client.get("/api/v1/classifier/versions", headers=api.auth("admin"))).json()
    return bool(versions["loaded"] == version)
