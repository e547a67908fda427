"""Platform callbacks: signed, fresh, never replayed, and only along the platform's flow."""
from __future__ import annotations

import json
import time

from gateway.signing import sign
from tests.core.conftest import SECRET, Api


async def post_callback(api: Api, body: dict[str, object], *, secret: str = SECRET, t: int | None = None, lang: str = "en", platform: str = "city"):
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"X-Gateway-Signature": sign(secret, raw, t), "Content-Type": "application/json", "Accept-Language": lang}
    return await api.client.post(f"/api/v1/platforms/{platform}/callbacks", data=raw, headers=headers)


async def forwarded_case(api: Api) -> str:
    return (await api.report(text="小区门口垃圾堆了好几天", class_id="ev-2013-0111"))["case_id"]


async def test_platform_moves_case_through_its_states(api: Api) -> None:
    number = await forwarded_case(api)
    for status in ("受理", "filed", "派遣", "disposed", "核查", "结案"):
        resp = await post_callback(api, {"case_id": number, "status": status, "note": f"进度：{status}"})
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["changed"] is True
    case = await (await api.client.get(f"/api/v1/cases/{number}", headers=api.auth())).json()
    assert case["status"] == "closed" and case["note"] == "进度：结案"
    changes = [t for t in case["timeline"] if t["action"] == "status_changed"]
    assert [c["detail"]["status"] for c in changes] == ["accepted", "filed", "dispatched", "disposed", "verified", "closed"]
    assert all(c["actor"] == "platform:city" for c in changes)


async def test_invalid_transition_is_refused_with_a_clear_error(api: Api) -> None:
    number = await forwarded_case(api)
    assert (await post_callback(api, {"case_id": number, "status": "closed"})).status == 200
    resp = await post_callback(api, {"case_id": number, "status": "dispatched"}, lang="zh-CN")
    assert resp.status == 409
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_transition" and "不能从“closed”变为“dispatched”" in error["message"]


async def test_review_case_cannot_be_moved_by_a_platform(api: Api) -> None:
    number = (await api.report(text="说不清楚的问题"))["case_id"]
    resp = await post_callback(api, {"case_id": number, "status": "accepted"})
    assert resp.status == 409


async def test_forged_stale_and_replayed_callbacks_are_refused(api: Api) -> None:
    number = await forwarded_case(api)
    body = {"case_id": number, "status": "accepted"}
    assert (await post_callback(api, body, secret="wrong-secret-0123456789")).status == 401
    stale = await post_callback(api, body, t=int(time.time()) - 301)
    assert stale.status == 401 and (await stale.json())["error"]["code"] == "stale_signature"
    raw = json.dumps(body).encode()
    headers = {"X-Gateway-Signature": sign(SECRET, raw), "Content-Type": "application/json"}
    first = await api.client.post("/api/v1/platforms/city/callbacks", data=raw, headers=headers)
    again = await api.client.post("/api/v1/platforms/city/callbacks", data=raw, headers=headers)
    assert first.status == 200 and again.status == 409
    assert (await again.json())["error"]["code"] == "replayed"
    unsigned = await api.client.post("/api/v1/platforms/city/callbacks", data=raw)
    assert unsigned.status == 401


async def test_unknown_platform_status_and_case(api: Api) -> None:
    number = await forwarded_case(api)
    assert (await post_callback(api, {"case_id": number, "status": "accepted"}, platform="nowhere")).status == 404
    resp = await post_callback(api, {"case_id": number, "status": "teleported"})
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "unknown_status"
    resp = await post_callback(api, {"case_id": "20200101999999", "status": "accepted"})
    assert resp.status == 404


async def test_feedback_on_a_closed_case_is_stored_and_passed_on(api: Api) -> None:
    number = await forwarded_case(api)
    early = await api.client.post(f"/api/v1/cases/{number}/feedback", json={"answer": "satisfied"}, headers=api.auth(lang="zh"))
    assert early.status == 409 and "尚未结案" in (await early.json())["error"]["message"]
    assert (await post_callback(api, {"case_id": number, "status": "结案", "note": "已清运"})).status == 200
    for answer in ("satisfied", "dissatisfied", "satisfied"):
        resp = await api.client.post(f"/api/v1/cases/{number}/feedback", json={"answer": answer, "channel": "web"}, headers=api.auth())
        assert resp.status == 200, await resp.text()
    bad = await api.client.post(f"/api/v1/cases/{number}/feedback", json={"answer": "meh"}, headers=api.auth(lang="en"))
    assert bad.status == 400 and (await bad.json())["error"]["field"] == "answer"
    events = [(r.event, json.loads(r.payload)["feedback"]) for r in await api.store.deliveries(case_id=int(number[8:]))][-3:]
    assert events == [
        ("case.updated", {"satisfied": 1}),
        ("case.reopen_requested", {"satisfied": 1, "dissatisfied": 1}),
        ("case.updated", {"satisfied": 2, "dissatisfied": 1}),
    ], "不满意 asks the platform to reopen"
    stats = await (await api.client.get("/api/v1/stats/satisfaction", headers=api.auth("admin"))).json()
    assert stats == {"answers": {"satisfied": 2, "basically_satisfied": 0, "dissatisfied": 1}, "total": 3, "satisfaction_rate": 0.6667}
    assert (await api.client.get("/api/v1/stats/satisfaction", headers=api.auth("client"))).status == 403


async def test_a_platform_added_at_run_time_calls_back_with_its_own_secret(api: Api) -> None:
    number = await forwarded_case(api)
    added = {"id": "district", "url": "http://127.0.0.1:9/cases", "secret": "district-secret-0123456789"}
    await api.store.set_admin_setting("platforms", {"items": [added]}, "admin")
    assert (await post_callback(api, {"case_id": number, "status": "accepted"}, platform="district")).status == 401
    resp = await post_callback(api, {"case_id": number, "status": "accepted"}, platform="district", secret=added["secret"])
    assert resp.status == 200, await resp.text()
    assert (await post_callback(api, {"case_id": number, "status": "filed"}, platform="nowhere")).status == 404


async def test_a_genuine_callback_resent_with_extra_signature_values_is_a_replay(api: Api) -> None:
    number = await forwarded_case(api)
    raw = json.dumps({"case_id": number, "status": "accepted", "note": "受理"}).encode()
    genuine = sign(SECRET, raw)
    assert (await api.client.post("/api/v1/platforms/city/callbacks", data=raw, headers={"X-Gateway-Signature": genuine, "Content-Type": "application/json"})).status == 200
    t, good = genuine.split(",")
    for header in (f"{genuine},v1=x", f"{genuine},v1=y", f"{t},v1=junk,{good}", f"{genuine},v0=z", f" {t} , {good} "):
        resp = await api.client.post("/api/v1/platforms/city/callbacks", data=raw, headers={"X-Gateway-Signature": header, "Content-Type": "application/json"})
        assert resp.status == 409, (header, await resp.text())
        assert (await resp.json())["error"]["code"] == "replayed"
    notes = [a for a in await api.store.audit_of("case", int(number[8:])) if a.actor == "platform:city"]
    assert len(notes) == 1


async def test_the_same_body_signed_at_another_second_is_a_new_callback(api: Api) -> None:
    number = await forwarded_case(api)
    body = {"case_id": number, "status": "accepted", "note": "已受理"}
    now = int(time.time())
    assert (await post_callback(api, body, t=now - 1)).status == 200
    resp = await post_callback(api, body, t=now)
    assert resp.status == 200 and (await resp.json())["changed"] is False
