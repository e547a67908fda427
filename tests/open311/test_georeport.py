"""Open311 GeoReport v2: every endpoint in JSON and XML, with the spec's fields, errors and filters."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from xml.etree import ElementTree

import pytest

from gateway.delivery.payload import parse_case_number
from gateway.settings import Open311Settings
from tests.core.conftest import Api, make_settings, start_api
from tests.core.test_callbacks import post_callback
from tests.support.receiver import Receiver

REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible",
                  "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id", "zipcode",
                  "lat", "long", "media_url"}


@pytest.fixture
def open311_settings() -> Open311Settings:
    return Open311Settings()


@pytest.fixture
async def api(aiohttp_client: Any, database_url: str, redis_url: str, receiver: Receiver, open311_settings: Open311Settings) -> AsyncIterator[Api]:
    settings = make_settings(database_url, redis_url, receiver.url).model_copy(update={"channels": ["open311"], "open311": open311_settings})
    api = await start_api(aiohttp_client, settings)
    yield api
    await api.store.close()


async def post_request(api: Api, fmt: str = "json", **fields: str) -> Any:
    form = {"api_key": api.keys["client"], "service_code": "cp-0102", "lat": "31.3126", "long": "120.6104",
            "description": "人行道上的污水井盖碎了", "email": "citizen@example.org", "media_url": "https://example.org/p/1.jpg"} | fields
    return await api.client.post(f"/open311/v2/requests.{fmt}", data=form)


async def test_services_list_in_json_and_xml(api: Api) -> None:
    services = await (await api.client.get("/open311/v2/services.json")).json()
    cover = next(s for s in services if s["service_code"] == "cp-0102")
    assert cover["service_name"] == "污水井盖" and cover["group"] == "公用设施" and cover["metadata"] is True and cover["type"] == "realtime"
    assert set(cover) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert len(services) > 150
    xml = ElementTree.fromstring(await (await api.client.get("/open311/v2/services.xml")).read())
    assert xml.tag == "services" and len(xml.findall("service")) == len(services)
    assert xml.find("service/service_code") is not None


async def test_service_definition_with_attributes(api: Api) -> None:
    definition = await (await api.client.get("/open311/v2/services/cp-0102.json")).json()
    assert definition["service_code"] == "cp-0102"
    codes = {a["code"]: a for a in definition["attributes"]}
    assert codes["hazard"]["datatype"] == "singlevaluelist" and {v["key"] for v in codes["hazard"]["values"]} == {"yes", "no"}
    xml = ElementTree.fromstring(await (await api.client.get("/open311/v2/services/cp-0102.xml")).read())
    assert xml.tag == "service_definition" and xml.find("attributes/attribute/values/value/key") is not None
    missing = await api.client.get("/open311/v2/services/nope.json")
    assert missing.status == 404 and (await missing.json())[0]["code"] == 404


async def test_post_then_follow_a_request(api: Api) -> None:
    resp = await post_request(api, **{"attribute[hazard]": "yes", "attribute[landmark]": "公交站对面"})
    assert resp.status == 201, await resp.text()
    [created] = await resp.json()
    number = created["service_request_id"]
    [request] = await (await api.client.get(f"/open311/v2/requests/{number}.json")).json()
    assert set(request) == REQUEST_FIELDS
    assert request["status"] == "open" and request["service_code"] == "cp-0102" and request["media_url"] == "https://example.org/p/1.jpg"
    assert request["description"] == "人行道上的污水井盖碎了", "read back as the citizen wrote it, without the attribute answers"
    assert request["lat"] == pytest.approx(31.313) and request["long"] == pytest.approx(120.610), "the public reads a place to about 100 m"
    [delivery] = await api.store.deliveries(case_id=parse_case_number(number))
    payload = json.loads(delivery.payload)
    assert payload["description"] == "人行道上的污水井盖碎了" and payload["attributes"] == {"hazard": "yes", "landmark": "公交站对面"}
    [token] = await (await api.client.get(f"/open311/v2/tokens/{created['token']}.json")).json()
    assert token == {"service_request_id": number, "token": created["token"]}
    await post_callback(api, {"case_id": number, "status": "结案", "note": "已更换井盖"})
    [closed] = await (await api.client.get(f"/open311/v2/requests.json?service_request_id={number}")).json()
    assert closed["status"] == "closed" and closed["status_notes"] == "已更换井盖"
    updates = await (await api.client.get("/open311/v2/servicerequestupdates.json")).json()
    assert updates[-1]["service_request_id"] == number and updates[-1]["status"] == "closed" and updates[-1]["description"] == "已更换井盖"
    xml = ElementTree.fromstring(await (await api.client.get(f"/open311/v2/requests/{number}.xml")).read())
    assert xml.tag == "service_requests" and xml.find("request/status").text == "closed"


async def test_request_filters(api: Api) -> None:
    first = (await (await post_request(api)).json())[0]["service_request_id"]
    second = (await (await post_request(api, service_code="ev-2013-0301", lat="31.30", long="120.63", description="工地夜里施工")).json())[0]["service_request_id"]
    await post_callback(api, {"case_id": first, "status": "closed"})
    by_code = await (await api.client.get("/open311/v2/requests.json?service_code=ev-2013-0301")).json()
    assert [r["service_request_id"] for r in by_code] == [second]
    assert [r["service_request_id"] for r in await (await api.client.get("/open311/v2/requests.json?status=closed")).json()] == [first]
    assert [r["service_request_id"] for r in await (await api.client.get("/open311/v2/requests.json?status=open")).json()] == [second]
    both = await (await api.client.get(f"/open311/v2/requests.json?service_request_id={first},{second}")).json()
    assert {r["service_request_id"] for r in both} == {first, second}
    assert await (await api.client.get("/open311/v2/requests.json?end_date=2000-01-01T00:00:00Z")).json() == []


@pytest.mark.parametrize(
    "fields, status, phrase",
    [
        ({"api_key": "nope"}, 403, "api_key"),
        ({"service_code": "zz-0000"}, 400, "service_code"),
        ({"lat": "", "long": ""}, 400, "location is required"),
        ({"lat": "91", "long": "120"}, 400, "Latitude"),
    ],
)
async def test_post_errors_in_the_spec_format(api: Api, fields: dict[str, str], status: int, phrase: str) -> None:
    for fmt in ("json", "xml"):
        resp = await post_request(api, fmt, **fields)
        assert resp.status == status
        if fmt == "json":
            [err] = await resp.json()
            assert err["code"] == status and phrase in err["description"]
        else:
            xml = ElementTree.fromstring(await resp.read())
            assert xml.tag == "errors" and xml.find("error/code").text == str(status)
    assert (await api.client.get("/open311/v2/requests.json")).status == 200
    assert await (await api.client.get("/open311/v2/requests.json")).json() == []


NINES = "9" * 30


async def assert_refused(resp: Any, status: int, phrase: str) -> None:
    assert resp.status == status, await resp.text()
    [err] = await resp.json()
    assert err["code"] == status and phrase in err["description"], err


async def test_numbers_no_case_can_have_are_refused_not_failed(api: Api) -> None:
    await post_request(api)
    for number in (NINES, "20260101" + "9" * 20, "9" * 19):
        await assert_refused(await api.client.get(f"/open311/v2/requests/{number}.json"), 404, "not found")
    for number in (NINES, "20260101" + "9" * 20):
        await assert_refused(await api.client.get(f"/open311/v2/requests.json?service_request_id={number}"), 400, "case numbers")
    await assert_refused(await api.client.get(f"/open311/v2/tokens/r{NINES}.json"), 404, "not found")
    await assert_refused(await api.client.get("/open311/v2/tokens/r١.json"), 404, "not found")
    for number in ("²", "²" * 14, "1,²"):
        await assert_refused(await api.client.get(f"/open311/v2/requests.json?service_request_id={number}"), 400, "case numbers")
    await assert_refused(await api.client.get("/open311/v2/requests/١.json"), 404, "not found")


async def test_nul_and_dates_past_the_calendar_are_refused_in_the_callers_language(api: Api) -> None:
    for path in ("/open311/v2/requests.json?service_code=%00", "/open311/v2/requests.json?status=open%00",
                 "/open311/v2/requests.json?start_date=9999-12-31T23:59:59-14:00", "/open311/v2/servicerequestupdates.json?end_date=0001-01-01T00:00:00%2B14:00"):
        await assert_refused(await api.client.get(path), 400, "")
        zh = await api.client.get(path, headers={"Accept-Language": "zh-CN"})
        assert zh.status == 400 and any("\u4e00" <= ch <= "\u9fff" for ch in (await zh.json())[0]["description"]), path
    for fields in ({"service_code": "cp-0102\u0000"}, {"description": "井盖\u0000碎了"}, {"address_string": "人民路\u0000", "lat": "", "long": ""},
                   {"first_name": "\u0000"}):
        resp = await post_request(api, **fields)
        await assert_refused(resp, 400, "NUL")
    for url in ("javascript:alert(1)", "data:text/html,hi"):
        await assert_refused(await post_request(api, media_url=url), 400, "media URL")
    assert await (await api.client.get("/open311/v2/requests.json")).json() == []


async def test_discovery_names_the_georeport_v2_endpoint(api: Api) -> None:
    discovery = await (await api.client.get("/open311/discovery.json")).json()
    assert set(discovery) == {"changeset", "contact", "key_service", "endpoints"}
    [endpoint] = discovery["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2" and endpoint["type"] == "production"
    assert endpoint["url"] == api.settings.public_base_url.rstrip("/") + "/open311/v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    xml = ElementTree.fromstring(await (await api.client.get("/open311/discovery.xml")).read())
    assert xml.tag == "discovery" and xml.find("endpoints/endpoint/url").text == endpoint["url"]
    assert {f.text for f in xml.findall("endpoints/endpoint/formats/format")} == {"text/xml", "application/json"}


async def test_a_json_body_is_a_request_like_a_form(api: Api) -> None:
    body = {"api_key": api.keys["client"], "service_code": "cp-0102", "lat": 31.3126, "long": 120.6104, "description": "井盖碎了一半",
            "attribute": {"hazard": "no"}, "attribute[landmark]": "邮局门口"}
    resp = await api.client.post("/open311/v2/requests.json", json=body)
    assert resp.status == 201, await resp.text()
    [created] = await resp.json()
    [request] = await (await api.client.get(f"/open311/v2/requests/{created['service_request_id']}.json")).json()
    assert request["description"] == "井盖碎了一半" and request["service_code"] == "cp-0102"
    [delivery] = await api.store.deliveries(case_id=parse_case_number(created["service_request_id"]))
    assert json.loads(delivery.payload)["attributes"] == {"hazard": "no", "landmark": "邮局门口"}
    await assert_refused(await api.client.post("/open311/v2/requests.json", json=body | {"api_key": "nope"}), 403, "api_key")
    await assert_refused(await api.client.post("/open311/v2/requests.json", json=body | {"attribute": {"hazard": "maybe"}}), 400, "hazard")
    zh = await api.client.post("/open311/v2/requests.json", data=b'{"api_key": ', headers={"Content-Type": "application/json", "Accept-Language": "zh"})
    await assert_refused(zh, 400, "不是有效的 JSON")
    await assert_refused(await api.client.post("/open311/v2/requests.json", json=[body]), 400, "JSON")
    await assert_refused(await api.client.post("/open311/v2/requests.json", json=body | {"description": "井盖\u0000碎了"}), 400, "NUL")
    await assert_refused(await api.client.post("/open311/v2/requests.json", data="api_key=x", headers={"Content-Type": "text/plain"}), 415, "JSON")
    assert len(await (await api.client.get("/open311/v2/requests.json")).json()) == 1


async def test_a_request_placed_by_coordinates_only_reads_back_without_an_address(api: Api) -> None:
    [created] = await (await post_request(api)).json()
    [request] = await (await api.client.get(f"/open311/v2/requests/{created['service_request_id']}.json")).json()
    assert request["address"] is None and request["lat"] is not None
    [by_address] = await (await post_request(api, lat="", long="", address_string="人民路18号3单元", service_code="ev-2013-0301",
                                              description="工地夜里施工")).json()
    [request] = await (await api.client.get(f"/open311/v2/requests/{by_address['service_request_id']}.json")).json()
    assert request["address"] == "人民路", "no house number, building or room for the public"


PERSONAL = "我叫王小明，电话13912345678，苏E·D12345的车压坏了井盖，身份证320102199003071234"


async def test_public_requests_mask_personal_data_by_default(api: Api) -> None:
    [created] = await (await post_request(api, description=PERSONAL)).json()
    await post_callback(api, {"case_id": created["service_request_id"], "status": "受理", "note": "已联系李先生 13800001111"})
    [request] = await (await api.client.get("/open311/v2/requests.json")).json()
    assert request["description"] == "我叫***，电话*******5678，苏E·******的车压坏了井盖，身份证**************1234"
    assert request["status_notes"] == "已联系*先生 *******1111"
    [update] = await (await api.client.get("/open311/v2/servicerequestupdates.json")).json()
    assert update["description"] == "已联系*先生 *******1111"
    xml = await (await api.client.get(f"/open311/v2/requests/{created['service_request_id']}.xml")).text()
    assert "13912345678" not in xml and "王小明" not in xml and "*******5678" in xml


@pytest.mark.parametrize("open311_settings", [Open311Settings(public_descriptions="off")])
async def test_public_descriptions_can_be_off(api: Api) -> None:
    [created] = await (await post_request(api, description=PERSONAL, address_string="人民路18号")).json()
    await post_callback(api, {"case_id": created["service_request_id"], "status": "受理", "note": "已联系李先生"})
    [request] = await (await api.client.get("/open311/v2/requests.json")).json()
    assert request["description"] is None and request["status_notes"] is None and request["service_code"] == "cp-0102"
    assert request["address"] == "人民路" and request["status"] == "open"
    assert [u["description"] for u in await (await api.client.get("/open311/v2/servicerequestupdates.json")).json()] == [""]


@pytest.mark.parametrize("open311_settings", [Open311Settings(public_descriptions="full")])
async def test_public_descriptions_can_be_full(api: Api) -> None:
    [created] = await (await post_request(api, description=PERSONAL, address_string="人民路18号")).json()
    [request] = await (await api.client.get(f"/open311/v2/requests/{created['service_request_id']}.json")).json()
    assert request["description"] == PERSONAL and request["address"] == "人民路18号" and request["lat"] == pytest.approx(31.3126)
