"""After intake: the duplicate offer, /status and /mycases, and status changes reaching the chat."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from channels.messaging.telegram import send_notification
from channels.messaging.telegram.botapi import TelegramError
from gateway.casework.notify import send_one
from gateway.delivery.payload import parse_case_number
from gateway.queueing import make_queue
from gateway.store.models import NotificationRow
from tests.core.test_callbacks import post_callback
from tests.messaging.conftest import Gateway
from tests.messaging.test_conversation import case_number_in
from tests.messaging.updates import Citizen

MANHOLE = "人民路和解放路路口的污水井盖不见了，晚上很危险"


async def report(citizen: Citizen, text: str, address: str) -> None:
    """A Chinese report with the proposed class up to the place; whatever comes next is the bot's."""
    await citizen.say("/start")
    await citizen.press("lang:zh")
    await citizen.say(text)
    await citizen.press("cls:0")
    await citizen.say(address)


async def submitted(citizen: Citizen) -> str:
    await citizen.press("photos:done")
    await citizen.press("confirm:yes")
    return case_number_in(citizen.last_reply())


async def test_a_duplicate_nearby_is_offered_and_joined(gateway: Gateway) -> None:
    first = gateway.citizen()
    await report(first, MANHOLE, "人民路与解放路路口")
    number = await submitted(first)
    second = gateway.citizen()
    await report(second, "解放路人民路口的污水井盖丢了，很危险", "解放路与人民路交叉口")
    offer = second.last_reply()
    assert offer.startswith(f"附近已有类似案件 {number}") and "要把您的反映加入该案件吗" in offer, offer
    await second.press("dup:yes")
    await second.press("photos:done")
    assert f"加入案件：{number}" in second.last_reply()
    await second.press("confirm:yes")
    assert second.last_reply().startswith(f"您的反映已加入案件 {number}"), second.last_reply()
    assert (await gateway.case(number))["reports_count"] == 2


async def test_declining_the_offer_leaves_the_decision_to_duplicate_folding(gateway: Gateway) -> None:
    first = gateway.citizen()
    await report(first, MANHOLE, "人民路与解放路路口")
    number = await submitted(first)
    second = gateway.citizen()
    await report(second, "解放路人民路口的污水井盖丢了，很危险", "解放路与人民路交叉口")
    await second.press("dup:no")
    await second.press("photos:done")
    assert "加入案件" not in second.last_reply()
    await second.press("confirm:yes")
    assert second.last_reply().startswith(f"您的反映已加入案件 {number}"), "the same problem still folds, and the citizen is told so"


async def test_status_and_my_cases(gateway: Gateway) -> None:
    citizen = gateway.citizen(language_code="en")
    await report(citizen, MANHOLE, "人民路与解放路路口")
    number = await submitted(citizen)
    await citizen.say(f"/status {number}")
    assert citizen.last_reply().startswith(f"案件 {number}：") and "公用设施" in citizen.last_reply()
    await citizen.say("/mycases")
    assert citizen.last_reply().startswith("您最近的未结案件：") and number in citizen.last_reply()
    await citizen.say("/status 20200101999999")
    assert citizen.last_reply() == "未找到案件 20200101999999。"
    await citizen.say("/status")
    assert citizen.last_reply() == "用法：/status 案件编号"
    stranger = gateway.citizen(language_code="en")
    await stranger.say("/mycases")
    assert stranger.last_reply() == "You have no recent open cases."
    await stranger.say(f"/status {number}")
    assert stranger.last_reply().startswith(f"Case {number}: ")
    assert "(Public utilities · Manhole cover (sewer))" in stranger.last_reply(), "the class in the asker's language"


async def test_status_change_reaches_the_chat_in_its_language(gateway: Gateway) -> None:
    citizen = gateway.citizen(language_code="en")
    await citizen.say("/start")
    await citizen.press("lang:en")
    await citizen.say("A manhole cover is missing at the Renmin Road and Jiefang Road crossing")
    await citizen.press("cls:0")
    await citizen.share_location(31.3126, 120.6104)
    number = await submitted(citizen)
    resp = await post_callback(gateway.api, {"case_id": number, "status": "派遣", "note": "sent to the roads office"})
    assert resp.status == 200, await resp.text()
    async with gateway.api.store.transaction() as tx:
        [row] = list(await tx.session.scalars(select(NotificationRow)))
    settings = gateway.api.settings
    assert await send_one(settings, gateway.api.store.transaction, make_queue(settings), row.id) == "sent"
    message = gateway.bot_api.called("sendMessage", citizen.chat_id)[-1]
    assert number in message["text"] and "assigned" in message["text"]


async def test_send_notification_raises_when_telegram_refuses(gateway: Gateway) -> None:
    settings = gateway.api.settings
    await send_notification(settings, {"telegram_chat_id": 4242}, "zh", "案件 1 已结案")
    assert gateway.bot_api.called("sendMessage", 4242)[-1]["text"] == "案件 1 已结案"
    gateway.bot_api.failing = True
    with pytest.raises(TelegramError, match="Too Many Requests"):
        await send_notification(settings, {"telegram_chat_id": 4242}, "zh", "案件 1 已结案")
    with pytest.raises(TelegramError, match="telegram_chat_id"):
        await send_notification(settings, {"phone": "+8613800000000"}, "zh", "x")


async def test_satisfaction_question_on_a_closed_case(gateway: Gateway) -> None:
    citizen = gateway.citizen()
    await report(citizen, MANHOLE, "人民路与解放路路口")
    number = await submitted(citizen)
    await citizen.say(f"/status {number}")
    assert "满意吗" not in citizen.last_reply(), "no question before the case is closed"
    assert (await post_callback(gateway.api, {"case_id": number, "status": "结案", "note": "井盖已补装"})).status == 200
    stranger = gateway.citizen()
    await stranger.say(f"/status {number}")
    assert stranger.replies() == [stranger.last_reply()] and "结案" in stranger.last_reply(), "only its reporters are asked"
    await citizen.say(f"/status {number}")
    assert citizen.last_reply() == f"您对案件 {number} 的处理结果满意吗？"
    await citizen.press(f"sat:{number}:basically_satisfied")
    assert citizen.last_reply() == "感谢您的评价（基本满意）。"
    async with gateway.api.store.transaction() as tx:
        assert await tx.feedback_counts(parse_case_number(number) or 0) == {"basically_satisfied": 1}


async def test_the_closing_notice_asks_for_satisfaction_and_the_answer_is_recorded(gateway: Gateway) -> None:
    citizen = gateway.citizen()
    await report(citizen, MANHOLE, "人民路与解放路路口")
    number = await submitted(citizen)
    assert (await post_callback(gateway.api, {"case_id": number, "status": "结案", "note": "井盖已补装"})).status == 200
    async with gateway.api.store.transaction() as tx:
        [row] = list(await tx.session.scalars(select(NotificationRow)))
    settings = gateway.api.settings
    assert await send_one(settings, gateway.api.store.transaction, make_queue(settings), row.id) == "sent"
    notice = gateway.bot_api.called("sendMessage", citizen.chat_id)[-1]
    assert "已结案" in notice["text"] and f"您对案件 {number} 的处理结果满意吗？" in notice["text"]
    await citizen.press(f"sat:{number}:dissatisfied")
    assert citizen.last_reply() == "感谢您的评价（不满意）。"
    async with gateway.api.store.transaction() as tx:
        assert await tx.feedback_counts(parse_case_number(number) or 0) == {"dissatisfied": 1}
    assert [d.event for d in await gateway.api.store.deliveries()][-1] == "case.reopen_requested"
