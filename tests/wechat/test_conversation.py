"""Whole conversations sent as WeChat callbacks end as classified, located cases, in plain and in safe mode."""
from __future__ import annotations

import asyncio

import pytest
import redis

from gateway.location.crs import from_wgs84
from gateway.delivery.payload import parse_case_number
from tests.location.test_exif import picture
from tests.wechat.conftest import Gateway, StartGateway
from tests.wechat.users import User

MANHOLE = "人民路和解放路路口的污水井盖不见了，晚上很危险"
CROSSING = (31.3126, 120.6104)  # WGS-84


def case_number_in(reply: str) -> str:
    return next(word.strip("。.,\"“”") for word in reply.replace("“", " ").replace("”", " ").split()
                if word.strip("。.,\"").isdigit() and len(word.strip("。.,\"")) >= 14)


async def report_to_photos(user: User, description: str = MANHOLE) -> None:
    await user.event("CLICK", "REPORT")
    await user.say(description)
    await user.say("1")


async def test_report_with_text_photo_and_location(start_gateway: StartGateway, database_url: str) -> None:
    gateway = await start_gateway(database_url)
    user = gateway.user()
    assert (await user.event("subscribe")).startswith("感谢关注")
    assert (await user.event("CLICK", "REPORT")).startswith("请用文字或语音描述")
    proposal = await user.say(MANHOLE)
    assert proposal.startswith("我们认为这属于：") and "公用设施" in proposal and "0. 交由工作人员判断" in proposal, proposal
    assert (await user.say("9")).startswith("请回复列表中的序号")
    assert "问题在哪里" in await user.say("1")
    lat, lon = from_wgs84(*CROSSING, "gcj02")  # WeChat sends GCJ-02
    placed = await user.location(lat, lon, "苏州市姑苏区人民路")
    assert placed.startswith("位置：苏州市姑苏区人民路") and "可以发送现场照片" in placed, placed
    gateway.wechat_api.media["m-photo-1"] = picture("JPEG", size=(1600, 1200))
    assert await user.photo("m-photo-1") == "已收到第 1 张照片。可继续发送，或回复“完成”。"
    summary = await user.say("完成")
    assert summary.startswith("请确认您的反映") and "照片：1 张" in summary and "回复 1 提交" in summary
    received = await user.say("1")
    assert received.startswith("已受理，案件编号 "), received
    case = await gateway.case(case_number_in(received))
    assert case["channel"] == "wechat" and case["case_source"] == "公众举报" and case["language"] == "zh"
    assert case["class"]["major_name"] == "公用设施" and case["class_source"] == "agent"
    assert case["location"]["lat"] == pytest.approx(CROSSING[0], abs=0.0005) and case["location"]["lon"] == pytest.approx(CROSSING[1], abs=0.0005)
    async with gateway.api.store.transaction() as tx:
        [stored_report] = await tx.reports_of_case(parse_case_number(case["case_id"]) or 0)
    assert stored_report.contact == {"wechat_openid": user.openid, "consent_updates": True}
    [media] = stored_report.media
    assert media["content_type"] == "image/jpeg" and media["url"].startswith("http://gateway.test/media/")
    assert (gateway.api.settings.media_dir / media["url"].rsplit("/", 1)[-1]).exists()
    media = [c for c in gateway.wechat_api.calls if c[0] == "media"]
    assert media and media[-1][1]["media_id"] == "m-photo-1"


async def test_safe_mode_conversation_with_typed_address_and_voice(safe_gateway: Gateway) -> None:
    user = safe_gateway.user()
    assert (await user.say("上报")).startswith("请用文字或语音描述")
    proposal = await user.voice(MANHOLE + "。")
    assert proposal.startswith("我们认为这属于："), "the recognised voice is the description"
    await user.say("1")
    assert (await user.say("火星大道一千号")).startswith("没有找到地址")
    assert "可以发送现场照片" in await user.say("人民路与解放路路口")
    await user.say("完成")
    received = await user.say("1")
    case = await safe_gateway.case(case_number_in(received))
    assert case["description"].startswith("人民路和解放路路口的污水井盖不见了") and case["grid_code"].startswith("320508")


async def test_voice_without_recognition_asks_for_text(gateway: Gateway) -> None:
    user = gateway.user()
    await user.say("上报")
    assert await user.voice(None) == "没能识别这段语音，请改用文字发送。"


async def test_english_by_choice(gateway: Gateway) -> None:
    user = gateway.user()
    assert await user.say("English") == "Switched to English."
    assert (await user.event("CLICK", "REPORT")).startswith("Please describe the problem")
    proposal = await user.say("Overflowing rubbish bin at the crossing, rubbish all over the pavement")
    assert proposal.startswith(("We think this is:", "We could not tell")) and "0. Let the staff decide" in proposal
    assert (await user.say("0")).startswith("Class: the staff will decide")
    await user.say("人民路与解放路路口")
    assert (await user.say("done")).startswith("Please confirm your report")
    assert (await user.say("1")).startswith("Received. Your case number is ")
    assert (await user.say("cancel")).startswith("There is no report in progress")


async def test_a_location_without_its_label_is_told_by_its_nearest_place(gateway: Gateway) -> None:
    user = gateway.user()
    await report_to_photos(user)
    placed = await user.location(*from_wgs84(*CROSSING, "gcj02"))
    assert placed.startswith("位置：人民路与解放路路口") and "31.3" not in placed, placed
    english = gateway.user()
    await english.say("English")
    await english.event("CLICK", "REPORT")
    await english.say("Overflowing rubbish bin at the crossing, rubbish all over the pavement")
    await english.say("0")
    placed = await english.location(*from_wgs84(*CROSSING, "gcj02"))
    assert "Renmin Road & Jiefang Road junction" in placed and "31.3" not in placed, placed


async def test_a_slow_photo_is_answered_by_customer_service_message(start_gateway: StartGateway, sqlite_url: str) -> None:
    gateway = await start_gateway(sqlite_url, reply_seconds=0.2)
    user = gateway.user()
    await report_to_photos(user)
    await user.say("人民路与解放路路口")
    gateway.wechat_api.media["m-slow"] = picture("JPEG")
    gateway.wechat_api.hold_media = asyncio.Event()
    assert await user.photo("m-slow") == "", "WeChat is answered at once; the reply follows"
    assert await gateway.send_queued_replies() == 0, "nothing to send while the download hangs"
    gateway.wechat_api.hold_media.set()
    for _ in range(1000):  # the download finishes on the server's loop, then its reply is queued
        if await gateway.send_queued_replies():
            break
        await asyncio.sleep(0.01)
    assert gateway.wechat_api.texts(user.openid) == ["已收到第 1 张照片。可继续发送，或回复“完成”。"]
    assert "照片：1 张" in await user.say("完成")


async def test_a_retried_message_is_handled_once(gateway: Gateway, redis_url: str) -> None:
    user = gateway.user()
    await user.say("上报")
    message = user.fields("text", Content=MANHOLE)
    first = await user.post(message)
    again = await user.post(message)
    assert first.startswith("我们认为这属于：") and again == first, "the retry gets the first answer"
    assert (await user.say("1")).startswith("分类："), "the conversation moved on once"
    event = user.fields("event", Event="CLICK", EventKey="MY_CASES")
    assert await user.post(event) == "您最近没有未结案件。"
    assert await user.post(event) == "您最近没有未结案件。"
    assert len(redis.Redis.from_url(redis_url).keys("wechat:msg:*")) == 4


async def test_status_my_cases_and_cancel(gateway: Gateway) -> None:
    user = gateway.user()
    await report_to_photos(user)
    await user.say("人民路与解放路路口")
    await user.say("完成")
    number = case_number_in(await user.say("1"))
    assert (await user.say(f"进度 {number}")).startswith(f"案件 {number}：")
    assert (await user.say(number)).startswith(f"案件 {number}："), "a bare case number outside a report"
    assert number in await user.event("CLICK", "MY_CASES")
    assert (await user.event("CLICK", "STATUS")).startswith("请发送“进度 案件编号”")
    assert await user.say("进度 20200101999999") == "未找到案件 20200101999999。"
    await user.say("上报")
    assert (await user.say("取消")).startswith("已取消")
    assert (await user.say("你好")).startswith("发送“上报”开始上报")
    assert parse_case_number(number)


async def test_photos_that_cannot_be_taken_and_the_photo_limit(start_gateway: StartGateway, sqlite_url: str) -> None:
    gateway = await start_gateway(sqlite_url, max_photos=1)
    user = gateway.user()
    await report_to_photos(user)
    await user.say("人民路与解放路路口")
    assert await user.photo("m-unknown") == "这张图片无法读取，请换一张照片。", "WeChat answers 40007 invalid media_id"
    gateway.wechat_api.media["m-text"] = b"GIF89a but not really a picture"
    assert await user.photo("m-text") == "这张图片无法读取，请换一张照片。"
    gateway.wechat_api.media["m-good"] = picture("PNG")
    gateway.wechat_api.revoke()
    assert await user.photo("m-good") == "已收到第 1 张照片。可继续发送，或回复“完成”。", "a refused token is renewed"
    assert await user.photo("m-good") == "最多只能附 1 张照片，请回复“完成”。"
    assert await user.say("你好") == "请发送照片，或回复“完成”。"
    assert "照片：1 张" in await user.say("完成")


async def test_messages_per_minute_are_limited(start_gateway: StartGateway, sqlite_url: str) -> None:
    gateway = await start_gateway(sqlite_url, messages_per_user_per_minute=3)
    user = gateway.user()
    answers = [await user.say("帮助") for _ in range(5)]
    assert answers[3] == "消息过于频繁，请稍后再试。" and answers[4] == "", "told once, then only 'success'"
    assert (await gateway.user().say("帮助")).startswith("发送“上报”"), "another user has their own count"


async def test_a_report_may_start_with_a_photo_and_skip_the_questions(gateway: Gateway) -> None:
    user = gateway.user()
    gateway.wechat_api.media["m-first"] = picture("JPEG")
    assert await user.photo("m-first") == "已收到第 1 张照片。请再用文字或语音描述问题（什么问题、在哪里）。"
    assert (await user.say(MANHOLE)).startswith("我们认为这属于：")
    lat, lon = from_wgs84(*CROSSING, "gcj02")
    placed = await user.location(lat, lon, "人民路与解放路路口")
    assert placed.startswith("分类：由工作人员判断\n位置：人民路与解放路路口"), "a location instead of a number: the staff decide"
    assert "照片：1 张" in await user.say("完成")
    received = await user.say("提交")
    case = await gateway.case(case_number_in(received))
    assert case["channel"] == "wechat" and case["location"]["lat"] == pytest.approx(CROSSING[0], abs=0.0005)


async def test_a_report_may_start_with_its_description_and_place(gateway: Gateway) -> None:
    user = gateway.user()
    assert (await user.say("你好")).startswith("发送“上报”开始上报"), "a greeting is no report"
    lat, lon = from_wgs84(*CROSSING, "gcj02")
    assert (await user.location(lat, lon, "人民路与解放路路口")).startswith("位置：人民路与解放路路口\n请再用文字或语音描述")
    assert (await user.say(MANHOLE)).startswith("我们认为这属于：")
    assert (await user.say("1")).startswith("分类：") and "可以发送现场照片" in user.last(), "the place is not asked again"
    gateway.wechat_api.media["m-late"] = picture("JPEG")
    assert await user.photo("m-late") == "已收到第 1 张照片。可继续发送，或回复“完成”。"
    await user.say("done")
    assert (await user.say("ok")).startswith("已受理，案件编号 ")


async def test_english_by_what_the_user_writes(gateway: Gateway) -> None:
    user = gateway.user()
    assert (await user.say("The street light on Renmin Road has been off for a week")).startswith(("We think this is:", "We could not tell"))
    assert (await user.say("0")).startswith("Class: the staff will decide"), "the report goes on in English"
    assert (await gateway.user().say("路灯坏了一个星期了")).startswith(("我们认为这属于：", "我们无法自动判断"))


async def test_without_classes_to_offer_the_class_is_not_asked(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    from channels.messaging import steps

    monkeypatch.setattr(steps, "propose", lambda *_: ([], False))  # as while no model is loaded
    user = gateway.user()
    await user.say("上报")
    assert (await user.say(MANHOLE)).startswith("分类：由工作人员判断\n问题在哪里")
    await user.say("人民路与解放路路口")
    await user.say("完成")
    case = await gateway.case(case_number_in(await user.say("1")))
    assert case["class_source"] != "agent", "the pipeline classifies it"
