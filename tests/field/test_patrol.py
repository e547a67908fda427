"""Patrol: positions while on duty, kept only with the account's consent, a resent batch adding nothing; counts per
supervisor and grid (reports, tasks answered, time to answer, track positions)."""
from __future__ import annotations

import uuid
from datetime import timedelta

from tests.field.conftest import GRID, INSIDE, Field, now


def batch(count: int, start_minutes_ago: int = 10) -> list[dict[str, object]]:
    first = now() - timedelta(minutes=start_minutes_ago)
    return [{"at": (first + timedelta(minutes=n)).isoformat(), "lat": INSIDE["lat"] + n * 1e-4, "lon": INSIDE["lon"], "accuracy_m": 6.0}
            for n in range(count)]


async def test_a_track_is_kept_only_with_consent_and_a_resent_batch_adds_nothing(fieldsite: Field) -> None:
    phone = await fieldsite.phone(lang="en")
    points = batch(3)
    status, refused = await phone.call("POST", "/track", json={"points": points, "sent_at": now().isoformat()})
    assert (status, refused["error"]["code"]) == (409, "field_track_no_consent")
    status, duty = await phone.call("POST", "/duty", json={"on_duty": True, "share_track": True})
    assert status == 200 and duty == {"on_duty": True, "share_track": True}
    status, stored = await phone.call("POST", "/track", json={"points": points, "sent_at": now().isoformat()})
    assert status == 200 and (stored["stored"], stored["known"]) == (3, 0)
    status, again = await phone.call("POST", "/track", json={"points": points + batch(1, 1), "sent_at": now().isoformat()})
    assert (again["stored"], again["known"]) == (1, 3)
    assert len(await fieldsite.store.track(phone.username, now() - timedelta(hours=1))) == 4
    status, me = await phone.call("GET", "/me")
    assert (me["on_duty"], me["share_track"]) == (True, True)
    assert (await phone.call("POST", "/duty", json={"on_duty": True, "share_track": False}))[1]["share_track"] is False
    status, refused = await phone.call("POST", "/track", json={"points": batch(1, 0), "sent_at": now().isoformat()})
    assert status == 409, "withdrawn consent keeps nothing more"


async def test_counts_per_supervisor_and_grid(fieldsite: Field) -> None:
    phone = await fieldsite.phone()
    for _ in range(2):
        status, answer = await phone.call("POST", "/reports", json=phone.report([await phone.photo()]))
        assert status == 201
    status, _ = await fieldsite.platform("/tasks", {"task_id": "P-1", "case_id": answer["case_number"], "kind": "verify"})
    task = (await phone.call("GET", "/tasks"))[1]["tasks"][0]
    moment = now().isoformat()
    body = {"answer_id": str(uuid.uuid4()), "result": "confirmed", "answered_at": moment, "sent_at": moment}
    assert (await phone.call("POST", f"/tasks/{task['id']}/answer", json=body))[0] == 201
    stats = await fieldsite.store.field_stats(now() - timedelta(days=1))
    person, grid = stats.people[phone.username], stats.grids[GRID]
    assert (person.reports, person.tasks, grid.reports, grid.tasks) == (2, 1, 2, 1)
    assert person.mean_answer_minutes is not None and person.mean_answer_minutes >= 0
