"""Duplicates fold into the case they repeat, across channels and datums; far or different reports do not."""
from __future__ import annotations

import asyncio
from typing import Any

from gateway.location.crs import from_wgs84
from gateway.location.dedup import DedupPolicy
from gateway.location.geo import metres_per_degree
from gateway.location.similarity import text_similarity
from tests.core.conftest import Api, deliver_all
from tests.support.receiver import Receiver

LAT, LON = 31.3000, 120.6200
NORTH_40M = 40 / metres_per_degree(LAT)[0]


async def case_of(api: Api, number: str) -> dict[str, Any]:
    return await (await api.client.get(f"/api/v1/cases/{number}", headers=api.auth())).json()



async def test_web_and_phone_reports_40m_apart_make_one_case_and_one_update(api: Api, receiver: Receiver) -> None:
    web = await api.report(text="解放路上的井盖不见了，很危险", channel="web", class_id="cp-0102", location={"lat": LAT, "lon": LON})
    await deliver_all(api)
    phone = await api.report(text="市民来电反映解放路有个井盖没了", channel="hotline", class_id="cp-0102",
                             location={"lat": LAT + NORTH_40M, "lon": LON}, contact={"phone": "13812345678"})
    assert phone["joined_existing"] is True and phone["case_id"] == web["case_id"]
    case = await case_of(api, web["case_id"])
    assert case["reports_count"] == 2
    joined = [t for t in case["timeline"] if t["action"] == "report_joined"][0]["detail"]
    assert 35 < joined["distance_m"] < 45
    await deliver_all(api)
    events = [(r.event, r.payload["case_number"], r.payload["reports_count"]) for r in receiver.received]
    assert events == [("case.created", web["case_id"], 1), ("case.updated", web["case_id"], 2)]


async def test_same_report_in_gcj02_lands_on_the_same_case(api: Api) -> None:
    first = await api.report(text="小区门口垃圾桶满了没人清", class_id="cp-0305", location={"lat": LAT, "lon": LON, "crs": "wgs84"})
    glat, glon = from_wgs84(LAT, LON, "gcj02")
    second = await api.report(text="小区门口垃圾桶满了好几天没人清", class_id="cp-0305", location={"lat": glat, "lon": glon, "crs": "gcj02"})
    assert second["joined_existing"] and second["case_id"] == first["case_id"]


async def test_report_3km_away_makes_a_new_case(api: Api) -> None:
    first = await api.report(text="路灯不亮", class_id="cp-0118", location={"lat": LAT, "lon": LON})
    far = await api.report(text="路灯不亮", class_id="cp-0118", location={"lat": LAT + 3000 / metres_per_degree(LAT)[0], "lon": LON})
    assert not far["joined_existing"] and far["case_id"] != first["case_id"]


async def test_different_family_at_the_same_place_makes_a_new_case(api: Api) -> None:
    first = await api.report(text="井盖不见了", class_id="cp-0102", location={"lat": LAT, "lon": LON})
    other = await api.report(text="晚上工地施工太吵", class_id="ev-2013-0301", location={"lat": LAT, "lon": LON})
    assert other["case_id"] != first["case_id"]


async def test_same_reporter_follow_up_joins_their_case_whatever_the_class(api: Api) -> None:
    contact = {"phone": "13900001111", "consent_updates": True}
    first = await api.report(text="我家楼下垃圾堆了一周", class_id="ev-2013-0111", location={"lat": LAT, "lon": LON}, contact=contact)
    follow = await api.report(text="补充一下，旁边还有人在烧东西", contact=contact)
    assert follow["joined_existing"] and follow["case_id"] == first["case_id"]


async def test_borderline_pair_is_held_as_possible_duplicate(api: Api) -> None:
    first_text, second_text = "人行道上的井盖碎了一块", "井盖上面裂了好几道缝，踩上去晃得厉害"
    policy = DedupPolicy()
    assert policy.threshold - policy.borderline <= text_similarity(first_text, second_text) < policy.threshold, \
        "a pair inside the default borderline band"
    first = await api.report(text=first_text, class_id="cp-0102", location={"lat": LAT, "lon": LON})
    other = await api.report(text=second_text, class_id="cp-0102", location={"lat": LAT + 150 / metres_per_degree(LAT)[0], "lon": LON})
    assert not other["joined_existing"]
    case = await case_of(api, other["case_id"])
    assert case["status"] == "needs_review" and case["review_reason"] == "possible_duplicate"
    assert case["possible_duplicate_of"] == first["case_id"]
    assert len(await api.store.deliveries()) == 1, "held for an agent, not forwarded"


async def test_two_duplicates_at_the_same_instant_make_one_case(api: Api) -> None:
    body = {"text": "公交站旁边的垃圾桶倒了", "class_id": "cp-0305", "location": {"lat": LAT, "lon": LON}}
    results = await asyncio.gather(*(api.report(**body, channel=ch) for ch in ("web", "sms", "telegram", "hotline", "api", "whatsapp")))
    assert len({r["case_id"] for r in results}) == 1
    assert sum(not r["joined_existing"] for r in results) == 1
    assert (await case_of(api, results[0]["case_id"]))["reports_count"] == 6


async def test_nearby_lists_open_cases_nearest_first_with_distance_and_similarity(api: Api) -> None:
    near = await api.report(text="井盖碎了有个大洞", class_id="cp-0102", location={"lat": LAT + NORTH_40M, "lon": LON})
    nearer = await api.report(text="工地晚上还在施工", class_id="ev-2013-0301", location={"lat": LAT + NORTH_40M / 4, "lon": LON})
    await api.report(text="井盖丢了", class_id="cp-0102", location={"lat": LAT + 10 * NORTH_40M, "lon": LON})
    glat, glon = from_wgs84(LAT, LON, "bd09")
    resp = await api.client.get(f"/api/v1/cases/nearby?lat={glat}&lon={glon}&crs=bd09&radius=250&text=井盖碎了", headers=api.auth())
    items = (await resp.json())["items"]
    assert [i["case_id"] for i in items] == [nearer["case_id"], near["case_id"]]
    assert 35 < items[1]["distance_m"] < 45 and items[1]["similarity"] > items[0]["similarity"]
    resp = await api.client.get(f"/api/v1/cases/nearby?lat={LAT}&lon={LON}&class=cp-0101", headers=api.auth())
    assert [i["case_id"] for i in (await resp.json())["items"]] == [near["case_id"]], "same family (公用设施) only"
    for bad in ("lat=91&lon=120", "lat=31&lon=120&crs=mars", "lat=31&lon=120&radius=5000", "lat=abc&lon=120", "lat=31&lon=120&class=zz"):
        assert (await api.client.get(f"/api/v1/cases/nearby?{bad}", headers=api.auth(lang="en"))).status == 400, bad


async def test_merge_and_unmerge_are_explicit_audited_and_reach_the_platform(api: Api, receiver: Receiver) -> None:
    first = await api.report(text="桥下垃圾堆积", class_id="ev-2013-0111", location={"lat": LAT, "lon": LON})
    second = await api.report(text="河边的垃圾堆越来越高", class_id="ev-2013-0111", location={"lat": LAT + 20 * NORTH_40M, "lon": LON})
    await deliver_all(api)
    resp = await api.client.post(f"/api/v1/cases/{second['case_id']}/merge", json={"into": first["case_id"]}, headers=api.auth("agent"))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["reports_count"] == 2
    merged = await case_of(api, second["case_id"])
    assert merged["status"] == "merged" and merged["merged_into"] == first["case_id"] and merged["reports_count"] == 0
    await deliver_all(api)
    updates = {r.payload["case_number"]: r.payload for r in receiver.received if r.event == "case.updated"}
    assert updates[first["case_id"]]["reports_count"] == 2
    assert updates[second["case_id"]]["status"] == "merged" and updates[second["case_id"]]["merged_into"] == first["case_id"]
    again = await api.client.post(f"/api/v1/cases/{second['case_id']}/merge", json={"into": first["case_id"]}, headers=api.auth("agent", lang="en"))
    assert again.status == 409 and "cannot be merged" in (await again.json())["error"]["message"]
    resp = await api.client.post(f"/api/v1/cases/{second['case_id']}/unmerge", headers=api.auth("agent"))
    assert resp.status == 200, await resp.text()
    restored = await resp.json()
    assert restored["status"] == "forwarded" and restored["reports_count"] == 1 and restored["merged_into"] is None
    assert (await case_of(api, first["case_id"]))["reports_count"] == 1
    actions = [t["action"] for t in (await case_of(api, second["case_id"]))["timeline"]]
    assert "merged" in actions and "unmerged" in actions


async def test_merge_refusals(api: Api) -> None:
    one = await api.report(text="路灯不亮", class_id="cp-0118")
    resp = await api.client.post(f"/api/v1/cases/{one['case_id']}/merge", json={"into": one["case_id"]}, headers=api.auth("agent"))
    assert resp.status == 409
    resp = await api.client.post(f"/api/v1/cases/{one['case_id']}/unmerge", headers=api.auth("agent"))
    assert resp.status == 409
    resp = await api.client.post(f"/api/v1/cases/{one['case_id']}/merge", json={"into": "20200101999999"}, headers=api.auth("agent"))
    assert resp.status == 404
    resp = await api.client.post(f"/api/v1/cases/{one['case_id']}/merge", json={"into": one["case_id"]}, headers=api.auth("client"))
    assert resp.status == 403
