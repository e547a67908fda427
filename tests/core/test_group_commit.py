"""Group commit: reports waiting together share a transaction, and one bad report sinks no other."""
from __future__ import annotations

import asyncio

from gateway.intake.group_commit import GroupCommit
from tests.core.conftest import Api


async def test_waiting_items_are_written_together_and_answered_each() -> None:
    groups: list[list[int]] = []

    async def write_group(items: list[int]) -> list[int]:
        groups.append(items)
        await asyncio.sleep(0)
        return [i * 10 for i in items]

    async def write_one(item: int) -> int:
        raise AssertionError("not needed when the group succeeds")

    writer: GroupCommit[int, int] = GroupCommit(write_group, write_one, max_group=4)
    results = await asyncio.gather(*(writer.write(i) for i in range(10)))
    await writer.close()
    assert results == [i * 10 for i in range(10)]
    assert [len(g) for g in groups] == [4, 4, 2], "items queued together are written together, at most max_group at a time"


async def test_a_failing_group_is_written_item_by_item() -> None:
    async def write_group(items: list[int]) -> list[int]:
        raise RuntimeError("the group as a whole fails")

    async def write_one(item: int) -> int:
        if item == 3:
            raise ValueError("bad item")
        return item

    writer: GroupCommit[int, int] = GroupCommit(write_group, write_one)
    results = await asyncio.gather(*(writer.write(i) for i in range(6)), return_exceptions=True)
    await writer.close()
    assert results[:3] == [0, 1, 2] and results[4:] == [4, 5]
    assert isinstance(results[3], ValueError)


async def test_settled_waits_for_every_item_queued_before_it() -> None:
    release, written = asyncio.Event(), []

    async def write_group(items: list[int]) -> list[int]:
        await release.wait()
        written.extend(items)
        return items

    async def write_one(item: int) -> int:
        raise AssertionError("not needed when the group succeeds")

    writer: GroupCommit[int, int] = GroupCommit(write_group, write_one, max_group=2)
    earlier = [asyncio.create_task(writer.write(i)) for i in range(3)]
    await asyncio.sleep(0)  # the three are queued
    settled = asyncio.create_task(writer.settled())
    await asyncio.sleep(0)
    assert not settled.done(), "nothing is written yet"
    release.set()
    await settled
    assert sorted(written) == [0, 1, 2] and all(t.done() for t in earlier)
    await writer.close()
    await writer.settled()  # a stopped writer settles at once


async def test_concurrent_copies_of_one_client_ref_make_one_report(api: Api) -> None:
    body = {"text": "路灯不亮", "class_id": "cp-0118", "client_ref": "device-42/1"}
    answers = await asyncio.gather(*(api.client.post("/api/v1/reports", json=body, headers=api.auth()) for _ in range(8)))
    results = [await a.json() for a in answers]
    assert sorted(a.status for a in answers) == [200] * 7 + [201]
    assert len({r["report_id"] for r in results}) == 1


async def test_a_burst_of_reports_is_all_committed(api: Api) -> None:
    results = await asyncio.gather(*(api.report(text=f"第{i}处垃圾没人清理", class_id="ev-2013-0110", location={"lat": 31.0 + i / 100, "lon": 120.5}) for i in range(40)))
    assert len({r["case_id"] for r in results}) == 40
    page = await (await api.client.get("/api/v1/cases?limit=100", headers=api.auth())).json()
    assert page["total"] == 40
    assert len(await api.store.deliveries()) == 40

