"""Status messages: by customer-service message within 48 h of the user's last message, by template message outside
it; the 回访 question as a menu whose answer is recorded; the access token shared and renewed."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from channels.messaging.wechat import send_notification
from channels.messaging.wechat.api import WechatApi, WechatError
from gateway.casework.notify import send_one
from gateway.delivery.payload import parse_case_number
from gateway.queueing import make_queue
from gateway.store.models import NotificationRow
from tests.core.test_callbacks import post_callback
from tests.wechat.conftest import Gateway, StartGateway
from tests.wechat.test_conversation import case_number_in, report_to_photos
from tests.wechat.users import User


async def reported(user: User) -> str:
    await report_to_photos(user)
    await user.say("人民路与解放路路口")
    await user.say("完成")
    return case_number_in(await user.say("1"))


async def send_notifications(gateway: Gateway) -> list[str]:
    settings = gateway.api.settings
    async with gateway.api.store.transaction() as tx:
        rows = list(await tx.session.scalars(select(NotificationRow).where(NotificationRow.status == "pending")))
    return [await send_one(settings, gateway.api.store.transaction, make_queue(settings), row.id) for row in rows]


async def test_status_change_by_customer_service_message_and_the_satisfaction_answer(start_gateway: StartGateway, database_url: str) -> None:
    gateway = await start_gateway(database_url)
    user = gateway.user()
    number = await reported(user)
    assert (await post_callback(gateway.api, {"case_id": number, "status": "派遣", "note": "已派往市政养护"})).status == 200
    assert await send_notifications(gateway) == ["sent"]
    [notice] = gateway.wechat_api.sent("custom", user.openid)
    assert notice["msgtype"] == "text" and number in notice["text"]["content"] and "派遣" in notice["text"]["content"]
    assert (await post_callback(gateway.api, {"case_id": number, "status": "结案", "note": "井盖已补装"})).status == 200
    assert await send_notifications(gateway) == ["sent"]
    question = gateway.wechat_api.sent("custom", user.openid)[-1]
    assert question["msgtype"] == "msgmenu" and question["msgmenu"]["head_content"].startswith(f"您对案件 {number} 的处理结果满意吗")
    choices = {item["content"]: item["id"] for item in question["msgmenu"]["list"]}
    assert list(choices) == ["满意", "基本满意", "不满意"]
    stranger = gateway.user()
    assert (await stranger.say("满意", bizmsgmenuid=choices["满意"])).startswith("无法记录评价")
    assert await user.say("基本满意", bizmsgmenuid=choices["基本满意"]) == "感谢您的评价（基本满意）。"
    async with gateway.api.store.transaction() as tx:
        assert await tx.feedback_counts(parse_case_number(number) or 0) == {"basically_satisfied": 1}


async def test_outside_the_48_hour_window_a_template_message_is_sent(start_gateway: StartGateway, sqlite_url: str, redis_url: str) -> None:
    gateway = await start_gateway(sqlite_url, status_template_id="TPL-status-1")
    user, late = gateway.user(), gateway.user()
    number = await reported(user)
    await report_to_photos(late)
    assert (await late.say("人民路与解放路路口")).startswith(f"位置：") and number in late.last()
    await late.say("1")
    await late.say("完成")
    assert (await late.say("1")).startswith(f"您的反映已加入案件 {number}"), "two reporters of one case"
    redis.Redis.from_url(redis_url).delete(f"wechat:seen:{user.openid}")  # no message from the user for 48 h
    gateway.wechat_api.out_of_window.add(late.openid)  # WeChat knows better than our record
    assert (await post_callback(gateway.api, {"case_id": number, "status": "派遣"})).status == 200
    assert await send_notifications(gateway) == ["sent", "sent"]
    templates = {t["touser"]: t for t in gateway.wechat_api.sent("template")}
    assert set(templates) == {user.openid, late.openid} and gateway.wechat_api.sent("custom") == []
    sent = templates[user.openid]
    assert sent["template_id"] == "TPL-status-1" and sent["url"] == f"http://gateway.test/cases/{number}"
    assert sent["data"]["keyword1"] == {"value": number} and sent["data"]["keyword2"] == {"value": "派遣"}


async def test_without_a_template_outside_the_window_the_notification_waits(gateway: Gateway, redis_url: str) -> None:
    user = gateway.user()
    number = await reported(user)
    redis.Redis.from_url(redis_url).delete(f"wechat:seen:{user.openid}")
    assert (await post_callback(gateway.api, {"case_id": number, "status": "派遣"})).status == 200
    assert await send_notifications(gateway) == ["pending"], "retried later: the user may write again"
    await user.say("你好")
    assert await send_notifications(gateway) == ["sent"]
    with pytest.raises(WechatError, match="wechat_openid"):
        await send_notification(gateway.api.settings, {"phone": "+8613800000000"}, "zh", "x")


async def test_status_of_a_closed_case_asks_its_reporter_by_customer_service_message(gateway: Gateway) -> None:
    user = gateway.user()
    number = await reported(user)
    assert (await post_callback(gateway.api, {"case_id": number, "status": "结案"})).status == 200
    answer = await user.say(f"进度 {number}")
    assert answer.startswith(f"案件 {number}：结案"), "the status in the response"
    assert await gateway.send_queued_replies() == 1
    assert gateway.wechat_api.sent("custom", user.openid)[-1]["msgtype"] == "msgmenu"


async def test_one_access_token_for_all_callers_renewed_when_refused(gateway: Gateway, redis_url: str) -> None:
    server = gateway.wechat_api
    server.hold_token = asyncio.Event()
    apis = [WechatApi(gateway.config, redis.Redis.from_url(redis_url)) for _ in range(5)]
    calls = [asyncio.ensure_future(api.post("cgi-bin/message/custom/send", {"touser": "oA", "msgtype": "text", "text": {"content": "x"}})) for api in apis]
    lock = f"wechat:access_token:{gateway.config.app_id}:lock"
    while not redis.Redis.from_url(redis_url).exists(lock):  # one caller is fetching; the others have found the lock taken
        await asyncio.sleep(0.01)
    server.hold_token.set()
    await asyncio.gather(*calls)
    assert server.tokens_issued() == 1 and len(server.sent("custom")) == 5
    server.revoke()
    await apis[0].post("cgi-bin/message/custom/send", {"touser": "oA", "msgtype": "text", "text": {"content": "y"}})
    assert server.tokens_issued() == 2, "a refused token (40001) is renewed once and the call made again"
    assert redis.Redis.from_url(redis_url).ttl(f"wechat:access_token:{gateway.config.app_id}") <= 7200 - 300


async def test_a_real_worker_sends_the_notices_and_the_queued_answers(start_gateway: StartGateway, sqlite_url: str, tmp_path: Path) -> None:
    from tests.twilio.test_notifications import run_worker

    gateway = await start_gateway(sqlite_url)
    user = gateway.user()
    number = await reported(user)
    assert (await post_callback(gateway.api, {"case_id": number, "status": "结案", "note": "井盖已补装"})).status == 200
    assert (await user.say(f"进度 {number}")).startswith(f"案件 {number}：结案")
    await run_worker(gateway, tmp_path)  # type: ignore[arg-type]
    sent = gateway.wechat_api.sent("custom", user.openid)
    assert [m["msgtype"] for m in sent].count("msgmenu") == 2, "the answer to 进度 and the closing notice each ask"
    assert any(m["msgtype"] == "text" and "结案" in m["text"]["content"] for m in sent)
    async with gateway.api.store.transaction() as tx:
        assert [r.status for r in await tx.session.scalars(select(NotificationRow))] == ["sent"]
