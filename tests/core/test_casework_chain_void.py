"""Casework on SQLite and PostgreSQL: a merge into a merged case lands in the case that kept the reports, refusals name
case numbers and statuses in words, 作废 reaches the platform that has the case, a possible duplicate kept apart is sent on."""
from __future__ import annotations

import pytest

from gateway.api.cases import load_case
from gateway.appkeys import CASEWORK
from gateway.casework.cases import CaseworkError
from gateway.i18n import message
from tests.core.conftest import Api, deliver_all
from tests.support.receiver import Receiver

COVER = {"text": "解放路和中山路交叉口的井盖不见了", "address": "解放路和中山路交叉口", "class_id": "cp-0114"}


async def test_a_merge_into_a_merged_case_lands_at_the_end_of_the_chain(api: Api) -> None:
    first = await api.report(**COVER)
    second = await api.report(text="人民路上的路灯不亮了")
    third = await api.report(text="新华桥下的护栏被撞坏了")
    resp = await api.client.post(f"/api/v1/cases/{second['case_id']}/merge", json={"into": first["case_id"]}, headers=api.auth("agent"))
    assert resp.status == 200, await resp.text()
    resp = await api.client.post(f"/api/v1/cases/{third['case_id']}/merge", json={"into": second["case_id"]}, headers=api.auth("agent"))
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["case_id"] == first["case_id"] and body["reports_count"] == 3
    assert (await load_case(api.store, third["case_id"])).merged_into == (await load_case(api.store, first["case_id"])).id

    other = await api.report(text="小区门口的垃圾桶满了没人清运")
    resp = await api.client.post(f"/api/v1/cases/{other['case_id']}/merge", json={"into": third["case_id"]}, headers=api.auth("agent", lang="en"))
    assert resp.status == 200  # into the chain's end, still open
    closed = await api.report(text="桥洞下面有人乱倒建筑垃圾")
    casework = api.client.app[CASEWORK]
    case = await load_case(api.store, closed["case_id"])
    await casework.void(case.id, "测试", "agent:test")
    with pytest.raises(CaseworkError) as refused:
        await casework.merge(case.id, (await load_case(api.store, first["case_id"])).id, "agent:test")
    said = message(refused.value.code, "zh", **refused.value.localized("zh"))
    assert said == f"案件 {closed['case_id']} 已是“作废”状态，不能合并。"


async def test_a_void_is_sent_to_the_platform_that_has_the_case(api: Api, receiver: Receiver) -> None:
    junk = await api.report(text="x", class_id="cp-0114", channel="hotline")
    await deliver_all(api)
    casework = api.client.app[CASEWORK]
    case = await load_case(api.store, junk["case_id"])
    with pytest.raises(CaseworkError) as blank:
        await casework.void(case.id, " \n ", "agent:test")
    assert blank.value.code == "void_reason_required"
    assert (await load_case(api.store, junk["case_id"])).status == "forwarded"
    await casework.void(case.id, "测试电话", "agent:test")
    await deliver_all(api)
    updates = [r.payload for r in receiver.received if r.event == "case.updated"]
    assert [(u["case_number"], u["status"]) for u in updates] == [(junk["case_id"], "voided")]
    [voided] = [a for a in await api.store.audit_of("case", case.id) if a.action == "voided"]
    assert voided.detail == {"reason": "测试电话", "previous_status": "forwarded"}
    with pytest.raises(CaseworkError) as again:
        await casework.void(case.id, "again", "agent:test")
    assert message(again.value.code, "en", **again.value.localized("en")) == f"Case {junk['case_id']} is Voided and cannot be voided."


async def test_a_case_never_sent_is_voided_without_a_delivery(api: Api, receiver: Receiver) -> None:
    unsure = await api.report(text="请尽快派人过来看一下这个情况")
    case = await load_case(api.store, unsure["case_id"])
    assert case.status == "needs_review"
    await api.client.app[CASEWORK].void(case.id, "骚扰电话", "agent:test")
    assert await api.store.deliveries(case_id=case.id) == []
