"""The pipeline with its real parts: the trained classifier and the sample city's locator."""
from __future__ import annotations

from collections.abc import AsyncIterator
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from classifier import Classifier
from gateway.location import Locator
from gateway.settings import REPO_ROOT
from tests.core.conftest import Api, deliver_all, make_settings, start_api
from tests.location.test_exif import exif_with, picture
from tests.support.receiver import Receiver

SAMPLE_CITY = REPO_ROOT / "config" / "cities" / "sample"


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.load()


@pytest.fixture(scope="session")
def locator() -> Locator:
    loaded = Locator.load(SAMPLE_CITY)
    loaded.warm_up()
    return loaded


@pytest.fixture
async def full(aiohttp_client: Any, tmp_path: Path, database_url: str, redis_url: str, receiver: Receiver, classifier: Classifier, locator: Locator) -> AsyncIterator[Api]:
    settings = make_settings(database_url, redis_url, receiver.url).model_copy(update={"media_dir": tmp_path / "media"})
    api = await start_api(aiohttp_client, settings, classifier=classifier, locator=locator)
    yield api
    await api.store.close()


async def case_of(api: Api, number: str) -> dict[str, Any]:
    return await (await api.client.get(f"/api/v1/cases/{number}", headers=api.auth())).json()


async def test_free_text_complaint_is_classified_located_and_gridded(full: Api) -> None:
    result = await full.report(text="人民路和解放路路口的污水井盖不见了，晚上很危险", channel="web")
    case = await case_of(full, result["case_id"])
    assert case["class"] is not None and case["class"]["kind"] == "component", case
    assert case["class"]["major_name"] == "公用设施"
    assert case["status"] == "forwarded"
    assert case["grid_code"] and len(case["grid_code"]) == 15 and case["grid_code"].startswith("320508")
    assert case["location"]["lat"] == pytest.approx(31.3126, abs=0.002) and case["location"]["lon"] == pytest.approx(120.6104, abs=0.002)


async def test_text_that_says_nothing_waits_for_review_without_a_place(full: Api) -> None:
    result = await full.report(text="？？？ ！！！")
    case = await case_of(full, result["case_id"])
    assert case["status"] == "needs_review" and case["location"] is None and case["grid_code"] is None
    assert len(await full.store.deliveries()) == 0


async def test_phone_and_web_reports_of_one_problem_fold_by_text_place(full: Api) -> None:
    web = await full.report(text="解放路和中山路交叉口的垃圾桶满了溢出来了", channel="web")
    phone = await full.report(text="市民来电反映中山路与解放路路口垃圾箱满了没人清理", channel="hotline")
    assert phone["joined_existing"] and phone["case_id"] == web["case_id"], (web, phone)


async def test_photo_upload_is_cleaned_and_its_gps_places_the_report(full: Api, tmp_path: Path) -> None:
    upload = picture("JPEG", exif_with(31.3126, 120.6104))
    resp = await full.client.post("/api/v1/media", data=upload, headers=full.auth() | {"Content-Type": "image/jpeg"})
    assert resp.status == 201, await resp.text()
    media = await resp.json()
    assert media["gps"] == {"lat": pytest.approx(31.3126, abs=1e-5), "lon": pytest.approx(120.6104, abs=1e-5), "crs": "wgs84"}
    served = await full.client.get("/media/" + media["url"].rsplit("/", 1)[-1])
    assert served.status == 200
    cleaned = Image.open(io.BytesIO(await served.read()))
    assert not cleaned.getexif(), "EXIF stripped before storing"
    result = await full.report(text="这里的污水井盖坏了", media=[{"url": media["url"], "content_type": media["content_type"]}])
    case = await case_of(full, result["case_id"])
    assert case["location"]["lat"] == pytest.approx(31.3126, abs=1e-4) and case["grid_code"].startswith("320508")


async def test_bad_uploads_are_refused_in_the_callers_language(full: Api) -> None:
    for data, code, en in ((b"", "image_empty", "empty"), (b"hello, not an image", "image_unsupported_format", "Only JPEG"),
                           (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image_corrupt", "damaged")):
        resp = await full.client.post("/api/v1/media", data=data, headers=full.auth(lang="en") | {"Content-Type": "image/jpeg"})
        error = (await resp.json())["error"]
        assert resp.status == 400 and error["code"] == code and en in error["message"]
    resp = await full.client.post("/api/v1/media", data=b"\xff" * (full.settings.intake.max_photo_bytes + 1), headers=full.auth(lang="zh"))
    assert resp.status == 413 and "过大" in (await resp.json())["error"]["message"]


async def test_dispatch_sets_the_disposal_deadline_and_overdue_cases_are_listed(full: Api) -> None:
    from sqlalchemy import update

    from gateway.store.models import CaseRow
    from tests.core.test_callbacks import post_callback

    result = await full.report(text="解放路上的污水井盖没了", class_id="cp-0102", channel="web")
    case = await case_of(full, result["case_id"])
    assert case["due_at"] is None and any(t["urgent"] for t in case["time_limits"])
    assert (await post_callback(full, {"case_id": result["case_id"], "status": "派遣"})).status == 200
    case = await case_of(full, result["case_id"])
    assert case["due_at"] is not None and case["overdue"] is False
    listed = await (await full.client.get("/api/v1/cases?overdue=true", headers=full.auth())).json()
    assert listed["total"] == 0
    async with full.store.transaction() as tx:
        await tx.session.execute(update(CaseRow).values(due_at=CaseRow.created_at))
    listed = await (await full.client.get("/api/v1/cases?overdue=true", headers=full.auth())).json()
    assert [c["case_id"] for c in listed["items"]] == [result["case_id"]] and listed["items"][0]["overdue"] is True



README_EXAMPLE = "人民路和解放路路口的井盖不见了，晚上很危险"
TWO_PROBLEMS = ("尊敬的领导您好！我是和平新村的居民，想反映小区南门外的两个问题，已经打过两次电话了。第一，南门口的路灯坏了一个多月，"
                "晚上门口漆黑一片，老人出门都不敢走。第二，门口的人行道上每天晚上都停满了私家车，推着婴儿车只能走到马路上去。"
                "恳请有关部门尽快处理，谢谢！")


async def forwarded(full: Api, receiver: Receiver, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A web report of `text`, every delivery made: the intake's answer and the one payload the platform received."""
    result = await full.report(text=text, channel="web")
    await deliver_all(full)
    [got] = receiver.received
    return result, got.payload


async def test_the_readme_example_is_forwarded_with_family_precision(full: Api, receiver: Receiver) -> None:
    result, body = await forwarded(full, receiver, README_EXAMPLE)
    assert result["needs_review"] is False and result["class_id"] == "cp-0114", result
    assert body["class_precision"] == "family" and body["class_family"]["id"] == "fam-manhole-cover"
    assert body["class"]["minor_code"] == "0114" and body["class"]["minor_name"] == "无主井盖"


# A pavement taken by several things at once (fruit carts, a restaurant's tables, building materials): a street-order
# problem for sure, which of its classes is not.
MANY_OCCUPIERS = ("市长您好，我是建设路东段的居民，我们这条路上的人行道最近被各种东西占着，有卖水果的三轮车，有饭店摆出来的桌椅，"
                  "还有人堆放建材，行人只能走到机动车道上，非常危险。希望有关部门管一管，谢谢！")


async def test_a_letter_sure_only_of_its_department_is_forwarded_with_major_precision(full: Api, receiver: Receiver) -> None:
    from classifier.core import MAJOR_SURE

    result, body = await forwarded(full, receiver, MANY_OCCUPIERS)
    assert result["needs_review"] is False, result
    assert body["class_precision"] == "major" and body["class_confidence"] >= MAJOR_SURE, body
    assert body["class"]["major_name"] == "街面秩序" and body["class_id"] == result["class_id"]


WAGES_OWED = "装修公司老板拖欠我们工人三个月工资，现在电话也打不通了，我们该找哪个部门"


async def test_a_matter_outside_city_management_waits_for_an_agent_and_is_not_forwarded(full: Api, receiver: Receiver) -> None:
    result = await full.report(text=WAGES_OWED, channel="web")
    assert result["needs_review"] is True, result
    case = await case_of(full, result["case_id"])
    assert case["review_reason"] == "out_of_scope", case
    await deliver_all(full)
    assert receiver.received == []


async def test_a_stated_owner_is_forwarded_as_the_member(full: Api, receiver: Receiver) -> None:
    result, body = await forwarded(full, receiver, "人民路和解放路路口的燃气井盖不见了，晚上很危险")
    assert result["class_id"] == "cp-0111" and body["class_precision"] == "class"


async def test_a_letter_with_two_problems_carries_a_further_class(full: Api, receiver: Receiver) -> None:
    result, body = await forwarded(full, receiver, TWO_PROBLEMS)
    assert result["needs_review"] is False, result
    classes = {body["class_id"], *(a["class_id"] for a in body["also"])}
    assert {"cp-0118", "ev-2013-0409"} <= classes, body
    assert all(a["class"]["edition"] == "gbt30428-2013" for a in body["also"] if a["class"])
    assert len(body["also"]) <= 2 and body["class_id"] not in {a["class_id"] for a in body["also"]}


async def test_a_reporters_second_problem_is_a_new_case_and_a_continuation_joins(full: Api) -> None:
    where = {"lat": 31.3040, "lon": 120.6200}
    phone = {"phone": "13812340000"}
    bin_full = await full.report(text="和平路幸福小区门口的垃圾桶满了", channel="web", location=where, contact=phone)
    cover = await full.report(text="还有门口的井盖也不见了", channel="web", location=where, contact=phone)
    assert not cover["joined_existing"] and cover["case_id"] != bin_full["case_id"], cover
    more = await full.report(text="补充一下，垃圾桶旁边的垃圾越堆越多了", channel="web", location=where, contact=phone)
    assert more["joined_existing"] and more["case_id"] == bin_full["case_id"], more


async def test_a_report_held_for_review_still_finds_the_case_it_repeats(aiohttp_client: Any, tmp_path: Path, database_url: str,
                                                                        redis_url: str, receiver: Receiver, locator: Locator) -> None:
    """Every answer held (a threshold no answer reaches): the second letter is still proposed for the first one's case."""
    unsure = Classifier.load(threshold=1.0)
    settings = make_settings(database_url, redis_url, receiver.url).model_copy(update={"media_dir": tmp_path / "media"})
    api = await start_api(aiohttp_client, settings, classifier=unsure, locator=locator)
    try:
        where = {"lat": 31.3126, "lon": 120.6104}
        first = await api.report(text="尊敬的领导：人民路和解放路路口东北角的垃圾桶满了好几天了，垃圾溢出来堆在地上，臭得很。望尽快处理。",
                                 location=where)
        north = {"lat": 31.3126 + 30 / 111_000, "lon": 120.6104}
        second = await api.report(text="解放路人民路口那个垃圾箱都满出来了，垃圾堆了一地没人收", location=north, contact={"phone": "13900001111"})
        assert first["needs_review"] and second["needs_review"]
        case = await case_of(api, second["case_id"])
        assert second["joined_existing"] or case["possible_duplicate_of"] == first["case_id"], (second, case)
    finally:
        await api.store.close()


async def test_a_case_placed_by_a_point_has_no_address_only_coordinates_in_every_payload(full: Api, receiver: Receiver) -> None:
    result = await full.report(text="路灯不亮了，晚上很黑", channel="web", location={"lat": 31.3126, "lon": 120.6104})
    await deliver_all(full)
    [sent] = [r.payload for r in receiver.received if r.payload["case_number"] == result["case_id"]]
    assert sent["location"]["address"] is None
    assert sent["location"]["lat"] == pytest.approx(31.3126, abs=1e-5) and sent["location"]["lon"] == pytest.approx(120.6104, abs=1e-5)
    served = await (await full.client.get(f"/open311/v2/requests/{result['case_id']}.json")).json()
    assert served[0]["address"] is None and served[0]["lat"] == pytest.approx(31.3126, abs=1e-3), "the public sees a rough point"
