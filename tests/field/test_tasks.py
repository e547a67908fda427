"""核实 / 核查 tasks: asked by a platform's signed callback, offered to the supervisors of the case's grid in turn, answered
from a phone with a result and photos, delivered to the platform as a signed event through the outbox."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from gateway.store.models import FieldTaskRow
from tests.field.conftest import NEXT_GRID, Field, Phone, now


async def reported_case(phone: Phone) -> str:
    status, answer = await phone.call("POST", "/reports", json=phone.report([await phone.photo()]))
    assert status == 201, answer
    return answer["case_number"]


def answer_body(result: str, photos: list[dict[str, str]] | None = None, **changes: Any) -> dict[str, Any]:
    moment = now().isoformat()
    return {"answer_id": str(uuid.uuid4()), "result": result, "note": "已清理", "photos": photos or [], "answered_at": moment,
            "sent_at": moment} | changes


async def test_a_check_task_reaches_the_grid_supervisor_and_the_signed_answer_reaches_the_platform(fieldsite: Field) -> None:
    phone = await fieldsite.phone()
    number = await reported_case(phone)
    status, asked = await fieldsite.platform("/tasks", {"task_id": "T-1", "case_id": number, "kind": "check", "note": "请核查处置结果"})
    assert status == 201, asked
    assert asked["offered_to"] == phone.username
    status, again = await fieldsite.platform("/tasks", {"task_id": "T-1", "case_id": number, "kind": "check", "note": "again"})
    assert status == 200 and again["status"] == "offered", "the same task id asked again is the same task"
    status, listed = await phone.call("GET", "/tasks")
    assert status == 200 and len(listed["tasks"]) == 1
    task = listed["tasks"][0]
    assert (task["kind_name"], task["case"]["number"], task["note"]) == ("核查", number, "请核查处置结果")
    assert [r["name"] for r in task["results"]] == ["已处置", "未处置"] and task["case"]["photos"]
    status, taken = await phone.call("POST", f"/tasks/{task['id']}/take")
    assert status == 200 and taken["status"] == "taken"
    photo = await phone.photo("blue")
    body = answer_body("disposed", [photo | {"phase": "after"}])
    status, answered = await phone.call("POST", f"/tasks/{task['id']}/answer", json=body)
    assert status == 201, answered
    status, resent = await phone.call("POST", f"/tasks/{task['id']}/answer", json=body | {"sent_at": now().isoformat()})
    assert status == 200 and resent["replayed"], "the same answer sent again is no second answer"
    await fieldsite.deliver_all()
    events = [r for r in fieldsite.receiver.received if r.event == "field.task_answered"]
    assert len(events) == 1 and events[0].signature_ok
    payload = events[0].payload
    assert (payload["task_id"], payload["kind"], payload["case_number"], payload["result"], payload["result_name"]) == \
        ("T-1", "check", number, "disposed", "已处置")
    assert payload["photos"] == [photo] and payload["answered_by"] == phone.username and payload["on_time"] is True
    status, listed = await phone.call("GET", "/tasks")
    assert listed["tasks"] == []


async def test_a_task_answered_twice_or_after_withdrawal_gets_a_clear_answer(fieldsite: Field) -> None:
    phone = await fieldsite.phone(lang="en")
    number = await reported_case(phone)
    for task_id in ("T-2", "T-3"):
        assert (await fieldsite.platform("/tasks", {"task_id": task_id, "case_id": number, "kind": "verify"}))[0] == 201
    tasks = {t["id"]: t for t in (await phone.call("GET", "/tasks"))[1]["tasks"]}
    first, second = list(tasks)
    status, wrong = await phone.call("POST", f"/tasks/{first}/answer", json=answer_body("disposed"))
    assert (status, wrong["error"]["code"]) == (400, "task_result_invalid"), "核实 is answered 属实 or 不属实"
    assert (await phone.call("POST", f"/tasks/{first}/answer", json=answer_body("confirmed")))[0] == 201
    status, twice = await phone.call("POST", f"/tasks/{first}/answer", json=answer_body("not_confirmed"))
    assert (status, twice["error"]["code"]) == (409, "task_already_answered")
    assert "already answered" in twice["error"]["message"]
    gone = next(t for t in (await fieldsite.store.field_tasks()) if t.id == second)
    status, withdrawn = await fieldsite.platform("/tasks", {"action": "withdraw", "task_id": gone.platform_task_id})
    assert status == 200 and withdrawn["status"] == "withdrawn"
    status, late = await phone.call("POST", f"/tasks/{second}/answer", json=answer_body("confirmed"))
    assert (status, late["error"]["code"]) == (409, "task_withdrawn")
    assert "withdrawn" in late["error"]["message"]
    status, refused = await fieldsite.platform("/tasks", {"action": "withdraw", "task_id": "T-2"})
    assert (status, refused["error"]["code"]) == (409, "task_already_answered")
    await fieldsite.deliver_all()
    assert [r.payload["result_name"] for r in fieldsite.receiver.received if r.event == "field.task_answered"] == ["属实"]


async def test_an_untaken_task_goes_to_the_next_supervisor_on_duty(fieldsite: Field) -> None:
    off, first, second = [await fieldsite.phone(username=f"sup-{n}") for n in ("a", "b", "c")]
    for phone in (first, second):
        assert (await phone.call("POST", "/duty", json={"on_duty": True}))[0] == 200
    number = await reported_case(off)
    status, asked = await fieldsite.platform("/tasks", {"task_id": "T-4", "case_id": number, "kind": "check"})
    assert asked["offered_to"] == first.username, "those on duty come first"
    window = timedelta(minutes=fieldsite.settings.field.take_minutes)
    async with fieldsite.store.transaction() as tx:
        await tx.session.execute(update(FieldTaskRow).values(offered_at=now() - window * 1.5))
    assert (await first.call("GET", "/tasks"))[1]["tasks"] == []
    tasks = (await second.call("GET", "/tasks"))[1]["tasks"]
    assert len(tasks) == 1
    status, refused = await first.call("POST", f"/tasks/{tasks[0]['id']}/take")
    assert (status, refused["error"]["code"]) == (403, "task_not_yours")
    assert (await second.call("POST", f"/tasks/{tasks[0]['id']}/take"))[0] == 200


async def test_a_task_of_another_grid_is_not_offered(fieldsite: Field) -> None:
    here, elsewhere = await fieldsite.phone(), await fieldsite.phone(grids=(NEXT_GRID,))
    number = await reported_case(here)
    assert (await fieldsite.platform("/tasks", {"task_id": "T-5", "case_id": number, "kind": "verify"}))[1]["offered_to"] == here.username
    assert (await elsewhere.call("GET", "/tasks"))[1]["tasks"] == []


async def test_the_task_callback_needs_the_platforms_signature_and_refuses_replays_and_bad_bodies(fieldsite: Field) -> None:
    phone = await fieldsite.phone()
    number = await reported_case(phone)
    status, refused = await fieldsite.platform("/tasks", {"task_id": "T-6", "case_id": number, "kind": "check"}, secret="wrong-secret-0123456789")
    assert (status, refused["error"]["code"]) == (401, "bad_signature")
    raw = b'{"task_id": "T-6", "case_id": "%s", "kind": "check"}' % number.encode()
    signed_at = int(time.time())
    assert (await fieldsite.platform("/tasks", {}, raw=raw, signed_at=signed_at))[0] == 201
    status, replay = await fieldsite.platform("/tasks", {}, raw=raw, signed_at=signed_at)
    assert (status, replay["error"]["code"]) == (409, "replayed")
    status, missing = await fieldsite.platform("/tasks", {"task_id": "T-7", "case_id": number})
    assert (status, missing["error"]["code"]) == (400, "missing_field")
    status, unknown = await fieldsite.platform("/tasks", {"task_id": "T-8", "case_id": "99999999", "kind": "check"})
    assert status == 404
    assert len(await fieldsite.store.field_tasks()) == 1
