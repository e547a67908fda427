"""Reports from field phones: idempotent by the phone's UUID, photo and GPS required, checked against the account's grids,
the phone's clock corrected; enrolment once, revocation at once. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from gateway.domain import CaseStatus
from gateway.store.clock import as_utc
from gateway.store.store import CaseFilter
from tests.field.conftest import FAR, GRID, INSIDE, Field, now


async def case_count(site: Field) -> int:
    return (await site.store.cases(CaseFilter()))[1]


async def test_a_report_sent_again_is_one_case_carrying_its_source_and_grid(fieldsite: Field) -> None:
    phone = await fieldsite.phone("supervisor")
    photo = await phone.photo()
    assert await phone.photo() == photo, "the same photo sent again is the same stored photo"
    body = phone.report([photo | {"phase": "before"}])
    status, first = await phone.call("POST", "/reports", json=body)
    assert status == 201, first
    status, again = await phone.call("POST", "/reports", json=body | {"sent_at": now().isoformat()})
    assert status == 200 and again["replayed"] and again["case_number"] == first["case_number"]
    assert await case_count(fieldsite) == 1
    cases, _ = await fieldsite.store.cases(CaseFilter())
    case = cases[0]
    assert (case.source_channel, case.case_source, case.grid_code) == ("supervisor", "监督员上报", GRID)
    row = await fieldsite.store.field_report(body["id"])
    assert row is not None and row.username == phone.username and row.photos[0]["phase"] == "before"


async def test_a_liaison_report_is_filed_as_community_liaison(fieldsite: Field) -> None:
    phone = await fieldsite.phone("liaison")
    status, answer = await phone.call("POST", "/reports", json=phone.report([await phone.photo()], class_id="fam-manhole-cover", note=""))
    assert status == 201, answer
    case = (await fieldsite.store.cases(CaseFilter()))[0][0]
    assert (case.source_channel, case.case_source, case.class_family) == ("liaison", "社区联络员", "fam-manhole-cover")
    assert case.status != CaseStatus.NEEDS_REVIEW


async def test_bad_reports_get_clear_answers_in_the_phones_language_and_change_nothing(fieldsite: Field) -> None:
    phone = await fieldsite.phone(lang="en")
    photo = await phone.photo()
    cases = [
        (phone.report([]), 400, "field_photo_required", "Take a photo first"),
        (phone.report([photo], fix=None), 400, "field_gps_required", "No GPS position"),
        (phone.report([photo], fix=INSIDE | {"accuracy_m": 450.0}), 400, "field_gps_inaccurate", "450 m, worse than the 100 m"),
        (phone.report([photo], fix=FAR | {"accuracy_m": 5.0}), 400, "field_outside_grids", "outside your grids"),
        (phone.report([photo], id="not-a-uuid"), 400, "invalid_field", "id"),
    ]
    for body, status, code, words in cases:
        got, answer = await phone.call("POST", "/reports", json=body)
        assert (got, answer["error"]["code"]) == (status, code), answer
        assert words in answer["error"]["message"]
    phone.lang = "zh"
    got, answer = await phone.call("POST", "/reports", json=phone.report([photo], fix=FAR | {"accuracy_m": 5.0}))
    assert "超出允许的 300 米" in answer["error"]["message"]
    assert await case_count(fieldsite) == 0


async def test_a_rough_fix_is_taken_with_a_warning(fieldsite: Field) -> None:
    phone = await fieldsite.phone()
    status, answer = await phone.call("POST", "/reports", json=phone.report([await phone.photo()], fix=INSIDE | {"accuracy_m": 60.0}))
    assert status == 201
    assert [w["code"] for w in answer["warnings"]] == ["field_gps_rough"]


async def test_a_phone_clock_two_hours_behind_is_corrected_with_a_warning(fieldsite: Field) -> None:
    phone = await fieldsite.phone(lang="en")
    before = now()
    wrong = before - timedelta(hours=2)
    body = phone.report([await phone.photo()], made_at=(wrong - timedelta(minutes=3)).isoformat(), sent_at=wrong.isoformat())
    status, answer = await phone.call("POST", "/reports", json=body)
    assert status == 201, answer
    warning = next(w for w in answer["warnings"] if w["code"] == "field_clock_wrong")
    assert "about 120 minutes" in warning["message"]
    row = await fieldsite.store.field_report(body["id"])
    assert row is not None
    assert before - timedelta(minutes=4) <= as_utc(row.taken_at) <= now() - timedelta(minutes=2)
    assert round(row.clock_skew_s / 3600) == 2


async def test_a_report_id_of_another_account_is_refused(fieldsite: Field) -> None:
    first, second = await fieldsite.phone(), await fieldsite.phone()
    body = first.report([await first.photo()])
    assert (await first.call("POST", "/reports", json=body))[0] == 201
    status, answer = await second.call("POST", "/reports", json=body)
    assert (status, answer["error"]["code"]) == (409, "field_report_id_taken")


async def test_an_enrolment_code_works_once_and_a_revoked_phone_is_refused_at_once(fieldsite: Field) -> None:
    await fieldsite.store.add_user("sup-enrol", "x", "supervisor")
    code = "enrol-code-0123456789"
    await fieldsite.store.add_device("sup-enrol", "phone", code, now() + timedelta(minutes=5), "test")
    async with fieldsite.client.post("/field/v1/enrol", json={"code": code}) as resp:
        assert resp.status == 201
        token = (await resp.json())["token"]
    async with fieldsite.client.post("/field/v1/enrol", json={"code": code}, headers={"Accept-Language": "en"}) as resp:
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "field_enrol_invalid"
    headers = {"Authorization": f"Bearer {token}"}
    async with fieldsite.client.get("/field/v1/me", headers=headers) as resp:
        assert resp.status == 200 and (await resp.json())["username"] == "sup-enrol"
    device = (await fieldsite.store.devices("sup-enrol"))[0]
    await fieldsite.store.revoke_device(device.id, "test")
    async with fieldsite.client.get("/field/v1/me", headers=headers | {"Accept-Language": "en"}) as resp:
        answer = await resp.json()
        assert resp.status == 401 and answer["error"]["code"] == "field_device_revoked"
        assert "revoked" in answer["error"]["message"]
    async with fieldsite.client.get("/field/v1/me") as resp:
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "field_token_required"


async def test_an_expired_enrolment_code_is_refused(fieldsite: Field) -> None:
    await fieldsite.store.add_user("sup-late", "x", "supervisor")
    await fieldsite.store.add_device("sup-late", "phone", "late-code-0123456789", now() - timedelta(seconds=1), "test")
    async with fieldsite.client.post("/field/v1/enrol", json={"code": "late-code-0123456789"}) as resp:
        assert resp.status == 400


async def test_where_fills_in_grid_street_community_and_nearest_road(fieldsite: Field) -> None:
    phone = await fieldsite.phone()
    status, place = await phone.call("GET", "/where", params={"lat": INSIDE["lat"], "lon": INSIDE["lon"], "accuracy_m": 8})
    assert status == 200, place
    assert (place["grid_code"], place["street"], place["community"], place["inside"]) == (GRID, "城西街道", "幸福社区", True)
    assert place["place"]["name"] and place["place"]["distance_m"] >= 0
    status, far = await phone.call("GET", "/where", params={"lat": FAR["lat"], "lon": FAR["lon"], "accuracy_m": 8})
    assert status == 200 and far["inside"] is False and far["outside_m"] > 1000


async def test_the_classifier_suggests_picker_entries_for_a_note(fieldsite: Field) -> None:
    phone = await fieldsite.phone()
    status, answer = await phone.call("POST", "/suggest", json={"note": "窨井盖丢了，很危险"})
    assert status == 200
    assert answer["choices"][0]["id"] == "fam-manhole-cover"
    status, classes = await phone.call("GET", "/classes")
    assert status == 200 and any(item["id"] == "fam-manhole-cover" for item in classes["items"])


async def test_a_disabled_account_is_refused(fieldsite: Field) -> None:
    phone = await fieldsite.phone()
    await fieldsite.store.update_user(phone.username, "test", disabled=True)
    status, answer = await phone.call("GET", "/me")
    assert (status, answer["error"]["code"]) == (403, "field_account_not_field")
