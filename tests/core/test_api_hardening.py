"""Input that used to end in a 500: every one is a 4xx with a catalogue message in the caller's language, and changes nothing."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from gateway.store.models import CaseRow, ReportRow
from tests.core.conftest import Api

REPORT = {"text": "人民路与解放路交叉口的井盖不见了，很危险", "channel": "web", "location": {"lat": 31.3, "lon": 120.6, "crs": "wgs84"}}
NINES = "9" * 30


async def counts(api: Api) -> tuple[int, int]:
    async with api.store.transaction() as tx:
        return tuple([await tx.session.scalar(select(func.count()).select_from(m)) for m in (ReportRow, CaseRow)])  # type: ignore[return-value]


async def refused(api: Api, method: str, path: str, status: int, code: str, *, role: str = "admin", **kwargs: Any) -> dict[str, Any]:
    """The request is refused with `status` and `code` in Chinese and in English."""
    messages, extra = {}, kwargs.pop("headers", {})
    for lang in ("zh", "en"):
        headers = api.auth(role, lang=lang) | extra
        resp = await api.client.request(method, path, headers=headers, **kwargs)
        body = await resp.json()
        assert resp.status == status, (path, lang, resp.status, body)
        assert body["error"]["code"] == code, (path, lang, body)
        assert resp.headers["Content-Language"] == lang
        messages[lang] = body["error"]["message"]
    assert messages["zh"] != messages["en"]
    return messages


async def test_case_numbers_past_int64_are_not_found(api: Api) -> None:
    case = await api.report(**REPORT, class_id="cp-0101")
    for number in (NINES, "9" * 19, "2026010199999999999999"):
        await refused(api, "GET", f"/api/v1/cases/{number}", 404, "case_not_found")
        await refused(api, "POST", f"/api/v1/cases/{number}/merge", 404, "case_not_found", role="agent", json={"into": case["case_id"]})
        await refused(api, "POST", f"/api/v1/cases/{case['case_id']}/merge", 404, "case_not_found", role="agent", json={"into": number})
    assert await counts(api) == (1, 1)


async def test_non_decimal_digits_in_a_merge_target_are_not_found(api: Api) -> None:
    case = await api.report(**REPORT, class_id="cp-0101")
    for into in ("²", "²" * 14, "١٢٣"):
        await refused(api, "POST", f"/api/v1/cases/{case['case_id']}/merge", 404, "case_not_found", role="agent", json={"into": into})
    got = await (await api.client.get(f"/api/v1/cases/{case['case_id']}", headers=api.auth())).json()
    assert got["status"] == "forwarded"


async def test_offsets_and_limits_past_int64_are_refused(api: Api) -> None:
    await refused(api, "GET", f"/api/v1/cases?offset={NINES}", 400, "invalid_field")
    await refused(api, "GET", f"/api/v1/corrections?offset={NINES}", 400, "invalid_field")


async def test_rule_set_versions_past_the_column_are_not_found(api: Api) -> None:
    for version in (NINES, str(2**31), "²"):
        await refused(api, "GET", f"/api/v1/rules/{version}", 404, "rule_set_not_found")
        await refused(api, "POST", f"/api/v1/rules/{version}/activate", 404, "rule_set_not_found")


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


async def test_json_nested_a_thousand_deep_is_refused(api: Api) -> None:
    case = await api.report(**REPORT, class_id="cp-0101")
    nested = deep(1000)
    bodies = {
        "/api/v1/reports": '{"text": "井盖坏了", "media": %s}' % nested,
        "/api/v1/classify": '{"text": %s}' % nested,
        "/api/v1/rules": '{"rules": %s}' % nested,
        f"/api/v1/cases/{case['case_id']}/merge": '{"into": %s}' % nested,
        f"/api/v1/cases/{case['case_id']}/class": nested,
    }
    for path, body in bodies.items():
        assert len(body) < 2100
        await refused(api, "POST", path, 400, "json_too_deep", data=body.encode(), headers={"Content-Type": "application/json"})
    assert await counts(api) == (1, 1)
    assert (await (await api.client.get("/api/v1/rules", headers=api.auth("admin"))).json())["items"] == []


async def test_bodies_that_are_not_declared_json_are_refused(api: Api) -> None:
    raw = '{"text": "井盖坏了"}'.encode()
    for headers in ({"Content-Type": "text/plain"}, {}, {"Content-Type": "application/x-www-form-urlencoded"}):
        await refused(api, "POST", "/api/v1/reports", 415, "unsupported_media_type", role="client", data=raw, headers=headers)
        await refused(api, "POST", "/api/v1/classify", 415, "unsupported_media_type", role="client", data=raw, headers=headers)
    ok = await api.client.post("/api/v1/reports", data=raw, headers=api.auth() | {"Content-Type": "application/json; charset=utf-8"})
    assert ok.status == 201, await ok.text()
    assert await counts(api) == (1, 1)


async def test_booleans_are_not_coordinates(api: Api) -> None:
    for location in ({"lat": True, "lon": 120.6}, {"lat": 31.3, "lon": False}):
        await refused(api, "POST", "/api/v1/reports", 400, "coordinate_not_a_number", role="client", json={"text": "井盖坏了", "location": location})
    assert await counts(api) == (0, 0)


async def test_text_of_only_invisible_characters_is_refused(api: Api) -> None:
    for text in ("\u200b\u200c\u200d", "\ufeff \u2060", "\u200b\n\u00a0\u3000"):
        await refused(api, "POST", "/api/v1/reports", 400, "text_required", role="client", json={"text": text})
        await refused(api, "POST", "/api/v1/classify", 400, "text_required", role="client", json={"text": text})
    assert await counts(api) == (0, 0)


async def test_media_urls_are_web_addresses_or_the_gateways_own(api: Api) -> None:
    for url in ("javascript:alert(1)", "data:image/png;base64,AAAA", "file:///etc/passwd", "ftp://example.org/a.jpg", "//example.org/a.jpg",
                "http://", "/etc/passwd", "/media/../secret.jpg", " javascript:alert(1)"):
        await refused(api, "POST", "/api/v1/reports", 400, "media_url_invalid", role="client",
                      json={"text": "井盖坏了", "media": [{"url": url, "content_type": "image/jpeg"}]})
    assert await counts(api) == (0, 0)
    name = "a" * 64 + ".jpg"
    for url in ("https://example.org/p/1.jpg", "http://127.0.0.1:8080/media/" + name, "/media/" + name):
        await api.report(text=f"井盖坏了 {url}", media=[{"url": url, "content_type": "image/jpeg"}])
    assert await counts(api) == (3, 3)


async def test_nul_characters_are_refused_on_every_backend(api: Api) -> None:
    for field, body in (("text", {"text": "井盖\u0000坏了"}), ("address", {"text": "井盖坏了", "address": "人民路\u0000"}),
                        ("client_ref", {"text": "井盖坏了", "client_ref": "a\u0000b"}), ("contact.name", {"text": "井盖坏了", "contact": {"name": "\u0000"}})):
        await refused(api, "POST", "/api/v1/reports", 400, "nul_character", role="client", json=body)
    await refused(api, "GET", "/api/v1/cases?class_id=%00", 400, "nul_character", role="client")
    await refused(api, "GET", "/api/v1/cases?channel=web%00", 400, "nul_character", role="client")
    await refused(api, "POST", "/api/v1/deliveries/%00/replay", 400, "nul_character")
    assert await counts(api) == (0, 0)


async def test_received_at_beyond_what_a_clock_can_say_is_refused(api: Api) -> None:
    for moment in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59", "1900-01-01T00:00:00Z", "2999-01-01T00:00:00Z"):
        await refused(api, "POST", "/api/v1/reports", 400, "received_at_out_of_range", role="client", json=REPORT | {"received_at": moment})
    for query in ("since=9999-12-31T23:59:59-14:00", "until=0001-01-01T00:00:00%2B14:00"):
        await refused(api, "GET", f"/api/v1/cases?{query}", 400, "datetime_out_of_range", role="client")
    await refused(api, "GET", "/api/v1/stats/satisfaction?since=9999-12-31T23:59:59-14:00", 400, "datetime_out_of_range")
    assert await counts(api) == (0, 0)
    earlier = (await api.report(**REPORT, class_id="cp-0101", received_at="2026-01-05T08:00:00+08:00"))["case_id"]
    assert earlier.startswith("20260105")


async def test_a_retraining_job_id_rq_cannot_hold_is_not_found(api: Api) -> None:
    for job_id in ("a.b", "x%20y", "é", "a" * 101):
        await refused(api, "GET", f"/api/v1/classifier/retrain/{job_id}", 404, "job_not_found")
    await refused(api, "GET", "/api/v1/classifier/retrain/%00", 400, "nul_character")


async def test_a_wrong_method_says_which_are_allowed(api: Api) -> None:
    messages = await refused(api, "DELETE", "/api/v1/reports", 405, "method_not_allowed", role="client")
    resp = await api.client.put("/api/v1/rules", headers=api.auth("admin"))
    assert resp.status == 405 and set(resp.headers["Allow"].split(",")) >= {"GET", "POST"}
    assert messages["en"] == "Method not allowed."


def test_a_report_from_any_channel_with_nul_is_refused_by_the_report_itself() -> None:
    import pytest
    from pydantic import ValidationError

    from gateway.api.errors import validation_error
    from gateway.domain import ReportIn

    for body, field in (({"text": "井盖\u0000坏了"}, "text"), ({"text": "井盖坏了", "media": [{"url": "https://e.org/\u0000", "content_type": "image/jpeg"}]}, "media.0.url")):
        with pytest.raises(ValidationError) as refused:
            ReportIn.model_validate(body)
        problem = validation_error(refused.value)
        assert problem.code == "nul_character" and problem.params["field"] == field


async def test_an_empty_client_ref_is_refused_not_stored_twice(api: Api) -> None:
    for ref in ("", "   ", ""):
        await refused(api, "POST", "/api/v1/reports", 400, "invalid_field", role="client", json=REPORT | {"client_ref": ref})
    assert await counts(api) == (0, 0)
