"""SMS and WhatsApp conversations through Twilio's signed messaging webhook."""
from __future__ import annotations

import asyncio
import io
import random
import re

from PIL import Image
from sqlalchemy import func, select

from gateway.store.models import InboundMessageRow, OptOutRow, ReportRow
from tests.location.test_exif import exif_with, picture
from tests.twilio.conftest import PUBLIC, Gateway, StartGateway, post_signed, reply_of, sign
from tests.support.pieces import PIECE_BYTES
from tests.twilio.test_voice import wav_bytes

NUMBER = re.compile(r"\d{14}")
MANHOLE = "人民路和解放路路口的污水井盖不见了，晚上很危险"


def case_number_in(reply: str) -> str:
    found = NUMBER.search(reply)
    assert found, reply
    return found.group(0)


async def count(gateway: Gateway, model: type) -> int:
    async with gateway.api.store.transaction() as tx:
        return int(await tx.session.scalar(select(func.count()).select_from(model)) or 0)


async def reports(gateway: Gateway) -> list[ReportRow]:
    async with gateway.api.store.transaction() as tx:
        return list(await tx.session.scalars(select(ReportRow).order_by(ReportRow.id)))


async def test_sms_report_gets_its_case_number_and_a_follow_up_joins_it(start_gateway: StartGateway, database_url: str) -> None:
    gateway = await start_gateway(database_url)
    phone = gateway.phone()
    reply = await phone.text(MANHOLE)
    number = case_number_in(reply)
    assert reply.startswith("已受理") and f"状态 {number}" in reply
    case = await gateway.case(number)
    assert case["channel"] == "sms" and case["class"]["minor_name"] == "污水井盖", case
    assert case["location"] is not None, "the crossing named in the text places it"

    follow = await phone.text("旁边还有一个井盖也松了")
    assert follow == f"已补充到您的案件 {number}。"
    assert (await gateway.case(number))["reports_count"] == 2
    rows = await reports(gateway)
    assert [r.channel for r in rows] == ["sms", "sms"] and rows[0].contact == {"phone": phone.number, "consent_updates": True}
    assert rows[0].reporter_key == rows[1].reporter_key and rows[0].case_id == rows[1].case_id

    other = gateway.phone()
    english = await other.text("There is a big pile of rubbish next to the bus stop on Renmin Road")
    assert english.startswith("Received. Your case number is") and "STATUS" in english
    assert case_number_in(english) != number


async def test_status_keyword_answers_in_the_senders_language(gateway: Gateway) -> None:
    phone = gateway.phone()
    number = case_number_in(await phone.text(MANHOLE))
    zh = await phone.text(f"状态 {number}")
    assert zh.startswith(f"案件 {number}：") and "污水井盖" in zh
    en = await gateway.phone().text(f"status {number}")
    assert en.startswith(f"Case {number}: ") and "updated" in en
    assert "(Public utilities · Manhole cover (sewer))" in en, "the class in the sender's language"
    assert await phone.text("状态20990101999999") == "未找到案件 20990101999999。"
    assert await phone.text("STATUS") == "Usage: STATUS <case number> (for example STATUS 20260101000042)"
    assert (await gateway.case(number))["reports_count"] == 1, "keywords make no report"


async def test_stop_silences_replies_and_notifications_until_start_and_help_answers(gateway: Gateway) -> None:
    phone = gateway.phone()
    assert "退订" in await phone.text("帮助") and "STOP" in await phone.text("HELP")
    assert await phone.text("退订") == "您已退订，不会再收到我们的通知。回复“订阅”可恢复。"
    async with gateway.api.store.transaction() as tx:
        [row] = list(await tx.session.scalars(select(OptOutRow)))
    assert (row.channel, row.address, row.keyword) == ("sms", phone.number, "退订")
    assert await phone.text(MANHOLE) == "", "an opted-out sender's report is taken without a reply"
    [report] = await reports(gateway)
    assert report.consent_updates is False
    assert await phone.text("START") == "You will get case updates again."
    assert not await gateway.api.store.opted_out("sms", phone.number)
    assert await phone.text("stop") == "You are unsubscribed and will get no more messages from us. Reply START to subscribe again."
    assert await gateway.api.store.opted_out("sms", phone.number)
    assert not await gateway.api.store.opted_out("whatsapp", phone.number), "an opt-out belongs to its channel"


async def test_whatsapp_location_and_photo_before_the_words_make_one_located_report(gateway: Gateway) -> None:
    phone = gateway.phone(whatsapp=True)
    kept = await phone.text("", Latitude="31.3126", Longitude="120.6104", Address="人民路 88 号", Label="人民路菜场")
    assert kept == "已收到您的位置或照片。请再发一条文字，描述您发现的问题。"
    jpeg = picture("JPEG", exif_with(lat=31.3, lon=120.6))
    url = gateway.rest.add_media(jpeg, "image/jpeg")
    assert (await phone.text("", media=[(url, "image/jpeg")])).startswith("已收到您的位置或照片")
    assert await count(gateway, ReportRow) == 0
    reply = await phone.text("菜场门口占道经营，摆摊卖水果")
    number = case_number_in(reply)
    case = await gateway.case(number)
    assert case["channel"] == "whatsapp"
    assert abs(case["location"]["lat"] - 31.3126) < 0.01 and abs(case["location"]["lon"] - 120.6104) < 0.01
    [report] = await reports(gateway)
    assert report.contact == {"phone": phone.number, "consent_updates": True} and report.address == "人民路 88 号"
    [item] = report.media
    assert item["content_type"] == "image/jpeg" and item["url"].startswith(PUBLIC + "/media/")
    stored = gateway.media_dir / item["url"].rsplit("/", 1)[1]
    assert not Image.open(stored).getexif(), "metadata removed before the photo is kept"
    assert gateway.rest.downloads == [url.removeprefix(gateway.rest.url)], "fetched once, with the account's credentials"

    later = await phone.text("", Latitude="31.3130", Longitude="120.6110")
    assert later == f"已补充到您的案件 {number}。"
    assert (await gateway.case(number))["reports_count"] == 2


async def test_a_large_picture_and_recording_sent_in_pieces_are_kept_whole(gateway: Gateway) -> None:
    phone = gateway.phone()
    noise = Image.frombytes("RGB", (400, 300), random.Random(7).randbytes(400 * 300 * 3))
    out = io.BytesIO()
    noise.save(out, format="PNG")
    png = out.getvalue()
    assert len(png) > 10 * PIECE_BYTES
    sound = wav_bytes(seconds=5.0)
    media = [(gateway.rest.add_media(png, "image/png"), "image/png"), (gateway.rest.add_media(sound, "audio/wav"), "audio/wav")]
    case_number_in(await phone.text("人民路菜场门口的垃圾桶满了，垃圾堆在地上", media=media))
    [report] = await reports(gateway)
    picture_item, sound_item = report.media
    kept = Image.open(gateway.media_dir / picture_item["url"].rsplit("/", 1)[1])
    assert kept.size == (400, 300) and kept.convert("RGB").tobytes() == noise.tobytes()
    assert (gateway.media_dir / sound_item["url"].rsplit("/", 1)[1]).read_bytes() == sound


async def test_media_that_is_not_a_picture_or_sound_is_refused_and_nothing_is_stored(gateway: Gateway) -> None:
    phone = gateway.phone(whatsapp=True)
    pdf = gateway.rest.add_media(b"%PDF-1.4 a leaflet", "application/pdf")
    reply = await phone.text("看看这个文件", media=[(pdf, "application/pdf")])
    assert reply == "只能接收图片（JPEG、PNG、WebP）和录音（WAV、MP3），无法处理您发送的 application/pdf 文件。"
    fake = gateway.rest.add_media(b"<html>not a picture</html>", "image/jpeg")
    refused = await phone.text("Photo of the broken street light", media=[(fake, "image/jpeg")])
    assert refused.startswith("The attachment cannot be used: Only JPEG, PNG or WebP images are accepted.")
    wav = gateway.rest.add_media(b"ID3\x04 an MP3 sent as WAV", "audio/wav")
    assert "audio/wav" in await phone.text("录音", media=[(wav, "audio/wav")])
    assert gateway.rest.downloads == [fake.removeprefix(gateway.rest.url), wav.removeprefix(gateway.rest.url)], "the PDF was never fetched"
    assert await count(gateway, ReportRow) == 0
    assert not gateway.media_dir.exists() or not any(gateway.media_dir.iterdir())


async def test_a_1600_character_message_is_taken_and_a_longer_one_refused(gateway: Gateway) -> None:
    phone = gateway.phone()
    long_text = ("人民路和解放路路口的污水井盖不见了。" * 100)[:1600]
    assert len(long_text) == 1600
    assert (await phone.text(long_text)).startswith("已受理")
    too_long = await gateway.phone().text(long_text + "。")
    assert too_long == "消息过长（上限 1600 字），请精简后重新发送。"
    assert await count(gateway, ReportRow) == 1


async def test_empty_message_unknown_line_and_unreadable_sender_get_a_clear_reply(gateway: Gateway) -> None:
    phone = gateway.phone()
    assert await phone.text("   ") == "请用文字描述您发现的问题（什么问题、在哪里），可附照片或位置。回复“帮助”查看说明。"
    assert await phone.text("There is rubbish everywhere", to="+8651299999999") == "This number does not take city problem reports."
    status, twiml = await phone.post(phone.params("路灯不亮") | {"From": "CityBank"})
    assert status == 200 and reply_of(twiml) == "无法识别您的号码，暂时不能受理。请拨打 12319 热线。"
    assert await count(gateway, ReportRow) == 0


async def test_forged_or_unsigned_requests_get_403_and_store_nothing(start_gateway: StartGateway, database_url: str) -> None:
    gateway = await start_gateway(database_url)
    phone = gateway.phone()
    params = phone.params(MANHOLE)
    url = PUBLIC + "/channels/twilio/messaging"
    client = gateway.api.client
    assert (await client.post("/channels/twilio/messaging", data=params)).status == 403, "unsigned"
    assert (await post_signed(client, url, params, signature=sign(url, params, token="another-accounts-token-0000")))[0] == 403
    internal = str(client.make_url("/channels/twilio/messaging"))
    assert (await post_signed(client, url, params, signature=sign(internal, params)))[0] == 403, "signed for the internal URL"
    assert (await post_signed(client, url, params | {"Body": "改过的内容"}, signature=sign(url, params)))[0] == 403, "tampered"
    caller = gateway.caller()
    voice = PUBLIC + "/channels/twilio/voice"
    assert (await post_signed(client, voice, caller.params(), signature=sign(voice + "/describe", caller.params())))[0] == 403
    assert await count(gateway, ReportRow) == 0 and await count(gateway, InboundMessageRow) == 0
    assert await gateway.api.store.calls() == []


async def test_a_retried_message_sid_makes_one_report_and_gets_the_same_reply(start_gateway: StartGateway, database_url: str) -> None:
    gateway = await start_gateway(database_url)
    phone = gateway.phone()
    params = phone.params(MANHOLE)
    first = await phone.post(params)
    again = await phone.post(params)
    assert first == again and first[0] == 200
    assert await count(gateway, ReportRow) == 1
    retried = phone.params("人民路上的路灯坏了好几盏")
    together = await asyncio.gather(phone.post(retried), phone.post(retried), phone.post(retried))
    assert {status for status, _ in together} == {200}
    assert await count(gateway, ReportRow) == 2, "retries arriving together still make one report"
    stop = phone.params("退订")
    assert (await phone.post(stop)) == (await phone.post(stop))
    assert await count(gateway, InboundMessageRow) == 3
