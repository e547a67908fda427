"""POST /api/v1/reports and the case API, on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import func, select

from gateway.store.models import CaseRow, DeliveryRow, ReportRow
from tests.core.conftest import Api

REPORT = {"text": "人民路与解放路交叉口的井盖不见了，很危险", "channel": "web", "language": "zh", "location": {"lat": 31.3, "lon": 120.6, "crs": "wgs84"}}


async def counts(api: Api) -> tuple[int, int, int]:
    async with api.store.transaction() as tx:
        return tuple([await tx.session.scalar(select(func.count()).select_from(m)) for m in (ReportRow, CaseRow, DeliveryRow)])  # type: ignore[return-value]


async def test_accepted_report_is_committed_with_its_case_and_outbox_rows(api: Api) -> None:
    result = await api.report(**REPORT, class_id="cp-0101")
    assert result["joined_existing"] is False
    assert result["class_id"] == "cp-0101" and result["status"] == "forwarded"
    assert len(result["case_id"]) == 14
    assert await counts(api) == (1, 1, 1)
    resp = await api.client.get(f"/api/v1/cases/{result['case_id']}", headers=api.auth())
    case = await resp.json()
    assert case["reports_count"] == 1 and case["case_source"] == "网络上报"
    assert case["class"]["minor_code"] == "0101" and case["class"]["edition"] == "gbt30428-2013"
    assert [t["action"] for t in case["timeline"]] == ["created", "forwarded"]


async def test_report_without_class_waits_for_review_and_is_not_forwarded(api: Api) -> None:
    result = await api.report(**REPORT)
    assert result["needs_review"] is True and result["status"] == "needs_review"
    assert await counts(api) == (1, 1, 0)
    resp = await api.client.post(f"/api/v1/cases/{result['case_id']}/class", json={"class_id": "ev-2013-0110"}, headers=api.auth("agent"))
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "forwarded"
    assert await counts(api) == (1, 1, 1)


async def test_class_decision_needs_an_agent_key(api: Api) -> None:
    result = await api.report(**REPORT)
    resp = await api.client.post(f"/api/v1/cases/{result['case_id']}/class", json={"class_id": "ev-2013-0110"}, headers=api.auth("client"))
    assert resp.status == 403


async def test_same_client_ref_makes_one_report(api: Api) -> None:
    first = await api.report(**REPORT, client_ref="abc-1", class_id="cp-0101")
    resp = await api.client.post("/api/v1/reports", json=REPORT | {"client_ref": "abc-1", "class_id": "cp-0101"}, headers=api.auth())
    assert resp.status == 200
    second = await resp.json()
    assert second["replayed"] is True and second["case_id"] == first["case_id"] and second["report_id"] == first["report_id"]
    assert await counts(api) == (1, 1, 1)


async def test_missing_api_key_is_refused(api: Api) -> None:
    resp = await api.client.post("/api/v1/reports", json=REPORT)
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthorized"
    resp = await api.client.post("/api/v1/reports", json=REPORT, headers={"Authorization": "Bearer gw_not-a-key"})
    assert resp.status == 401
    assert await counts(api) == (0, 0, 0)


BAD_INPUTS = [
    ("missing text", {"channel": "web"}, 400, "missing_field", "缺少必填字段", "Required field text"),
    ("blank text", {"text": "   "}, 400, "text_required", "请描述问题", "Please describe the problem"),
    ("wrong type", {"text": "井盖坏了", "location": {"lat": "north", "lon": 120.6}}, 400, "invalid_field", "字段 location.lat 无效", "Field location.lat is invalid"),
    ("unknown crs", {"text": "井盖坏了", "location": {"lat": 31.3, "lon": 120.6, "crs": "mars2000"}}, 400, "unknown_crs", "未知的坐标系 mars2000", "Unknown coordinate system mars2000"),
    ("latitude 91", {"text": "井盖坏了", "location": {"lat": 91, "lon": 120.6}}, 400, "lat_out_of_range", "纬度必须在", "Latitude must be between"),
    ("unknown channel", {"text": "井盖坏了", "channel": "pigeon"}, 400, "invalid_field", "字段 channel 无效", "Field channel is invalid"),
    ("unknown class", {"text": "井盖坏了", "class_id": "xx-9999"}, 400, "unknown_class", "未知的分类 xx-9999", "Unknown class xx-9999"),
    ("too long", {"text": "井" * 5001}, 400, "text_too_long", "描述过长", "Description too long"),
    ("extra field", {"text": "井盖坏了", "colour": "red"}, 400, "invalid_field", "字段 colour 无效", "Field colour is invalid"),
    ("not an object", ["井盖坏了"], 400, "invalid_json", "不是有效的 JSON", "not valid JSON"),
]


async def test_bad_input_is_refused_in_the_callers_language_and_stores_nothing(api: Api) -> None:
    for name, body, status, code, zh, en in BAD_INPUTS:
        for lang, expected in (("zh-CN,zh;q=0.9", zh), ("en-US,en;q=0.8", en)):
            resp = await api.client.post("/api/v1/reports", json=body, headers=api.auth(lang=lang))
            error = (await resp.json())["error"]
            assert resp.status == status, name
            assert error["code"] == code, name
            assert expected in error["message"], (name, error["message"])
    assert await counts(api) == (0, 0, 0)


async def test_nan_oversized_and_invalid_utf8_bodies_are_refused(api: Api) -> None:
    headers = api.auth(lang="en") | {"Content-Type": "application/json"}
    resp = await api.client.post("/api/v1/reports", data=b'{"text": "x", "location": {"lat": NaN, "lon": 1}}', headers=headers)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "lat_not_finite"
    resp = await api.client.post("/api/v1/reports", data=b'{"text": "\xff\xfe bad"}', headers=headers)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_utf8"
    resp = await api.client.post("/api/v1/reports", data=b'{"text": "' + b"a" * 70_000 + b'"}', headers=headers)
    assert resp.status == 413 and (await resp.json())["error"]["code"] == "body_too_large"
    resp = await api.client.post("/api/v1/reports", data=b"{not json", headers=headers)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_json"
    assert await counts(api) == (0, 0, 0)


async def test_gcj02_location_is_held_in_wgs84(api: Api) -> None:
    result = await api.report(text="路灯不亮", location={"lat": 31.298, "lon": 120.6235, "crs": "gcj02"}, class_id="cp-0118")
    case = await (await api.client.get(f"/api/v1/cases/{result['case_id']}", headers=api.auth())).json()
    lat, lon = case["location"]["lat"], case["location"]["lon"]
    assert abs(lat - 31.298) > 1e-4 and abs(lat - 31.298) < 0.01  # GCJ-02 offset removed, a few hundred metres
    assert abs(lon - 120.6235) > 1e-4 and abs(lon - 120.6235) < 0.01


async def test_case_list_filters_and_pages(api: Api) -> None:
    for i in range(5):
        await api.report(text=f"垃圾没人清理 {i}", channel="web" if i % 2 else "sms", class_id="ev-2013-0110")
    await api.report(text="需要人工判断的描述")
    resp = await api.client.get("/api/v1/cases?status=forwarded&limit=2&offset=1", headers=api.auth())
    page = await resp.json()
    assert page["total"] == 5 and len(page["items"]) == 2 and page["offset"] == 1
    page = await (await api.client.get("/api/v1/cases?channel=sms", headers=api.auth())).json()
    assert page["total"] == 3
    page = await (await api.client.get("/api/v1/cases?status=needs_review", headers=api.auth())).json()
    assert page["total"] == 1
    resp = await api.client.get("/api/v1/cases?limit=0", headers=api.auth(lang="en"))
    assert resp.status == 400
    resp = await api.client.get("/api/v1/cases/20200101000999", headers=api.auth(lang="en"))
    assert resp.status == 404 and "not found" in (await resp.json())["error"]["message"]
