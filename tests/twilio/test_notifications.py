"""Status changes reach each consenting reporter by SMS or WhatsApp through rq jobs run by a real worker process;
the 回访 answer comes back by SMS."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import yaml
from sqlalchemy import select

from gateway.casework.notify import send_one
from gateway.queueing import make_queue
from gateway.store.models import FeedbackRow, NotificationRow
from tests.core.test_callbacks import post_callback
from tests.twilio.conftest import SMS_LINE, WHATSAPP_LINE, Gateway, StartGateway
from tests.twilio.test_messaging import MANHOLE, case_number_in

REPO = Path(__file__).resolve().parents[2]


async def run_worker(gateway: Gateway, directory: Path) -> None:
    """`gateway worker --burst` configured like the gateway under test, until the queue is empty."""
    config = directory / "worker.yaml"
    config.write_text(yaml.safe_dump(gateway.api.settings.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_") and k not in ("DATABASE_URL", "REDIS_URL")}
    worker = await asyncio.create_subprocess_exec(sys.executable, "-m", "gateway", "worker", "--burst", cwd=REPO, env=env | {"GATEWAY_CONFIG": str(config)})
    assert await worker.wait() == 0


async def notifications(gateway: Gateway) -> dict[str, NotificationRow]:
    async with gateway.api.store.transaction() as tx:
        rows = await tx.session.scalars(select(NotificationRow).order_by(NotificationRow.created_at))
        return {row.contact["phone"]: row for row in rows}


async def test_status_changes_reach_every_consenting_reporter_on_their_channel_and_the_sms_answer_is_recorded(
    start_gateway: StartGateway, database_url: str, tmp_path: Path
) -> None:
    gateway = await start_gateway(database_url)
    sms, whatsapp, stopped = gateway.phone(), gateway.phone(whatsapp=True), gateway.phone()
    number = case_number_in(await sms.text(MANHOLE))
    other = case_number_in(await whatsapp.text("The drain cover at the bus stop on Renmin Road is missing", Latitude="31.2990", Longitude="120.6010"))
    assert other != number
    merged = await gateway.api.client.post(f"/api/v1/cases/{other}/merge", json={"into": number}, headers=gateway.api.auth("agent"))
    assert merged.status == 200, await merged.text()
    assert case_number_in(await stopped.text("人民路和解放路路口的污水井盖不见了，好几天了")) == number
    await stopped.text("退订")
    caller = gateway.caller()
    await caller.dial()
    await caller.speak("人民路和解放路路口的污水井盖丢了")
    await caller.speak("人民路与解放路路口")
    await caller.press("1")
    await caller.press("1")
    assert (await gateway.case(number))["reports_count"] == 4, "the voice report joined the case too"

    assert (await post_callback(gateway.api, {"case_id": number, "status": "派遣", "note": "已派维修班"})).status == 200
    await run_worker(gateway, tmp_path)
    rest = gateway.rest
    [to_sms] = rest.sent_to(sms.number)
    assert number in to_sms and "已派遣处置单位" in to_sms and "已派维修班" in to_sms
    [to_whatsapp] = rest.sent_to(f"whatsapp:{whatsapp.number}")
    assert to_whatsapp.startswith(f"[City services] Your report (case {number}) has been assigned"), "the merged reporter hears, in English"
    confirmation, to_caller = rest.sent_to(caller.number)
    assert confirmation == f"【城市管理】您来电反映的问题已受理，案件编号 {number}。处理进展将以短信通知，回复“退订”不再接收。"
    assert number in to_caller and "已派遣处置单位" in to_caller, "the caller who pressed 1 hears by SMS"
    assert rest.sent_to(stopped.number) == []
    senders = {m["To"]: m["From"] for m in rest.messages}
    assert senders[sms.number] == SMS_LINE and senders[f"whatsapp:{whatsapp.number}"] == f"whatsapp:{WHATSAPP_LINE}"
    rows = await notifications(gateway)
    assert rows[stopped.number].status == "skipped" and rows[stopped.number].last_error == "opted out"
    assert {rows[p].status for p in (sms.number, whatsapp.number, caller.number)} == {"sent"}

    assert await gateway.phone(number=caller.number).text("退订") == "您已退订，不会再收到我们的通知。回复“订阅”可恢复。"
    assert (await post_callback(gateway.api, {"case_id": number, "status": "结案"})).status == 200
    await run_worker(gateway, tmp_path)
    assert len(rest.sent_to(caller.number)) == 2, "the caller texted STOP: no SMS about the call either"
    closing = rest.sent_to(sms.number)[-1]
    assert closing.endswith(f"您对案件 {number} 的处理结果满意吗？请回复 1 满意、2 基本满意、3 不满意。")
    assert rest.sent_to(f"whatsapp:{whatsapp.number}")[-1].endswith("Reply 1 satisfied, 2 mostly satisfied, 3 not satisfied.")
    assert await sms.text("3") == f"感谢您对案件 {number} 的评价（不满意）。"
    assert await whatsapp.text("satisfied") == f"Thank you for your answer on case {number} (Satisfied)."
    assert await gateway.phone().text("1") == "您没有已结案、待评价的案件。描述新问题请直接发送文字。"
    async with gateway.api.store.transaction() as tx:
        answers = sorted((f.answer, f.channel) for f in await tx.session.scalars(select(FeedbackRow)))
    assert answers == [("dissatisfied", "sms"), ("satisfied", "whatsapp")]


async def test_a_refused_send_is_kept_and_retried(gateway: Gateway) -> None:
    phone = gateway.phone()
    number = case_number_in(await phone.text(MANHOLE))
    await post_callback(gateway.api, {"case_id": number, "status": "受理"})
    [row] = (await notifications(gateway)).values()
    settings, queue = gateway.api.settings, make_queue(gateway.api.settings)
    gateway.rest.failing = True
    assert await send_one(settings, gateway.api.store.transaction, queue, row.id) == "pending"
    [row] = (await notifications(gateway)).values()
    assert row.attempts == 1 and "503" in (row.last_error or "") and "Service Unavailable" in (row.last_error or "")
    gateway.rest.failing = False
    assert await send_one(settings, gateway.api.store.transaction, queue, row.id) == "sent"
    assert await send_one(settings, gateway.api.store.transaction, queue, row.id) == "sent", "safe to run twice"
    assert len(gateway.rest.sent_to(phone.number)) == 1


async def test_a_providers_refusal_is_stored_without_the_reporters_full_number(gateway: Gateway) -> None:
    phone = gateway.phone()
    gateway.rest.unreachable.add(phone.number)
    number = case_number_in(await phone.text(MANHOLE))
    await post_callback(gateway.api, {"case_id": number, "status": "受理"})
    [row] = (await notifications(gateway)).values()
    assert await send_one(gateway.api.settings, gateway.api.store.transaction, make_queue(gateway.api.settings), row.id) == "pending"
    [row] = (await notifications(gateway)).values()
    error = row.last_error or ""
    assert "21211" in error or "is not a valid phone number" in error, error
    assert phone.number not in error and phone.number.removeprefix("+86") not in error and phone.number[-4:] in error
