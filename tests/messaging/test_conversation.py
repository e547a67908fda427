"""Whole conversations fed as Telegram updates end as classified, located cases."""
from __future__ import annotations

import asyncio
import io
import random
from typing import Any

import pytest
from PIL import Image

from gateway.delivery.payload import parse_case_number

from tests.classifier.test_tables import HAN
from tests.messaging.conftest import Gateway, StartGateway, restarted
from tests.location.test_exif import exif_with, picture


async def test_chinese_conversation_with_typed_address(start_gateway: StartGateway, database_url: str) -> None:
    gateway = await start_gateway(database_url)
    citizen = gateway.citizen()
    await citizen.say("/start")
    assert "请选择语言" in citizen.last_reply()
    await citizen.press("lang:zh")
    assert citizen.last_reply().startswith("请用文字描述")
    await citizen.say("人民路和解放路路口的污水井盖不见了，晚上很危险")
    assert "我们认为这属于" in citizen.last_reply() and "公用设施" in citizen.last_reply()
    await citizen.press("cls:0")
    assert "问题在哪里" in citizen.last_reply()
    await citizen.say("人民路与解放路路口")
    assert any(r.startswith("位置：") for r in citizen.replies())
    assert "照片" in citizen.last_reply()
    await citizen.press("photos:done")
    assert citizen.last_reply().startswith("请确认您的反映") and "照片：0 张" in citizen.last_reply()
    await citizen.press("confirm:yes")
    reply = citizen.last_reply()
    assert reply.startswith("已受理，案件编号 "), reply
    number = reply.split("案件编号 ", 1)[1].split("。", 1)[0]
    case = await gateway.case(number)
    assert case["class"]["major_name"] == "公用设施" and case["class_source"] == "agent"
    assert case["channel"] == "telegram" and case["case_source"] == "公众举报" and case["language"] == "zh"
    assert case["location"]["lat"] == pytest.approx(31.3126, abs=0.002) and case["location"]["lon"] == pytest.approx(120.6104, abs=0.002)
    assert case["grid_code"].startswith("320508")
    assert gateway.bot_api.called("answerCallbackQuery"), "every button press is answered"


def case_number_in(reply: str) -> str:
    return next(word.strip("。.,") for word in reply.split() if word.strip("。.,").isdigit() and len(word.strip("。.,")) >= 14)


async def test_english_conversation_with_location_and_photo(gateway: Gateway) -> None:
    citizen = gateway.citizen(first_name="Alex", language_code="en")
    await citizen.say("/start")
    await citizen.press("lang:en")
    assert citizen.last_reply().startswith("Please describe")
    await citizen.say("Overflowing rubbish bin at the crossing, rubbish all over the pavement")
    proposal = citizen.last_reply()
    assert proposal.startswith("We think this is:") or proposal.startswith("We could not tell"), proposal
    shown = gateway.bot_api.last_keyboard_message(citizen.chat_id)["reply_markup"]["inline_keyboard"]
    assert not any(HAN.search(b["text"]) for row in shown for b in row), "classes offered by their English names"
    await citizen.press("cls:staff")
    assert "Share a location" in citizen.last_reply()
    await citizen.share_location(31.3126, 120.6104)
    assert any(r.startswith("Place: Renmin Road & Jiefang Road junction") for r in citizen.replies()), "a shared point told by its nearest place"
    await citizen.send_photo(picture("JPEG", exif_with(31.30, 120.60)), "photo-1")
    assert citizen.last_reply() == "Photo 1 received. Send another or press Done."
    await citizen.press("photos:done")
    assert "Photos: 1" in citizen.last_reply() and "Class: the staff will decide" in citizen.last_reply()
    await citizen.press("confirm:yes")
    assert citizen.last_reply().startswith("Received. Your case number is ")
    case = await gateway.case(case_number_in(citizen.last_reply()))
    assert case["language"] == "en" and case["class_source"] != "agent"
    assert case["location"]["lat"] == pytest.approx(31.3126, abs=1e-4), "the shared point wins over the photo's GPS"
    async with gateway.api.store.transaction() as tx:
        reports = await tx.reports_of_case(parse_case_number(case["case_id"]) or 0)
    assert reports[0].contact == {"telegram_chat_id": citizen.chat_id, "consent_updates": True}
    [media] = reports[0].media
    assert media["content_type"] == "image/jpeg" and media["url"].startswith("http://gateway.test/media/")
    stored = gateway.api.settings.media_dir / media["url"].rsplit("/", 1)[-1]
    assert not Image.open(stored).getexif(), "EXIF removed before the photo is kept"
    assert [c["file_id"] for c in gateway.bot_api.called("download")] == ["photo-1"], "the largest size is fetched"


async def test_venue_places_the_report(gateway: Gateway) -> None:
    citizen = gateway.citizen()
    await citizen.say("/start")
    await citizen.press("lang:zh")
    await citizen.say("路边有人占道经营摆摊卖水果")
    await citizen.press("cls:0")
    await citizen.share_venue(31.3126, 120.6104, "人民路菜场", "人民路 88 号")
    assert "位置：人民路菜场" in citizen.replies()


async def test_unknown_address_is_asked_again(gateway: Gateway) -> None:
    citizen = gateway.citizen()
    await citizen.say("/start")
    await citizen.press("lang:zh")
    await citizen.say("小区门口的垃圾桶满了")
    await citizen.press("cls:staff")
    await citizen.say("火星基地三号门")
    assert citizen.last_reply().startswith("没有找到地址“火星基地三号门”")
    await citizen.share_location(31.3126, 120.6104)
    assert "照片" in citizen.last_reply()


def noise_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), random.Random(width).randbytes(width * height * 3)).save(out, format="PNG")
    return out.getvalue()


async def photo_step(gateway: Gateway) -> Any:
    citizen = gateway.citizen()
    await citizen.say("/start")
    await citizen.press("lang:zh")
    await citizen.say("人民路和解放路路口的污水井盖不见了，晚上很危险")
    await citizen.press("cls:0")
    await citizen.say("人民路与解放路路口")
    assert "照片" in citizen.last_reply()
    return citizen


async def test_a_large_photo_sent_in_pieces_is_kept_whole(gateway: Gateway) -> None:
    citizen = await photo_step(gateway)
    png = noise_png(300, 200)
    assert len(png) > 8 * 16 * 1024
    await citizen.send_photo(png, "big-photo")
    assert citizen.last_reply() == "已收到第 1 张照片。可继续发送，或点“完成”。"
    [stored] = [p for p in gateway.api.settings.media_dir.iterdir() if not p.name.endswith(".json")]
    assert Image.open(stored).convert("RGB").tobytes() == Image.open(io.BytesIO(png)).convert("RGB").tobytes()


async def test_a_photo_of_untold_size_is_refused_once_it_grows_past_the_limit(gateway: Gateway) -> None:
    citizen = await photo_step(gateway)
    gateway.bot_api.sizes_untold = True
    gateway.api.settings.intake.max_photo_bytes = 64 * 1024
    gateway.bot_api.files["huge"] = noise_png(600, 600)  # about 1 MB, no size told anywhere
    await citizen.update(message=citizen.message(photo=[{"file_id": "huge", "file_unique_id": "uhuge", "width": 600, "height": 600}]))
    assert citizen.last_reply() == "这张图片无法读取，请换一张 JPEG 或 PNG 照片。"
    assert gateway.bot_api.called("download") and gateway.bot_api.downloads_finished == 0, "the download stopped at the limit"
    assert not gateway.api.settings.media_dir.exists() or not any(gateway.api.settings.media_dir.iterdir())


async def test_conversation_survives_a_restart(aiohttp_client: Any, gateway: Gateway) -> None:
    citizen = gateway.citizen()
    await citizen.say("/start")
    await citizen.press("lang:zh")
    await citizen.say("人民路和解放路路口的污水井盖不见了，晚上很危险")
    await citizen.press("cls:0")
    citizen.client = await restarted(aiohttp_client, gateway)
    await citizen.say("人民路与解放路路口")
    await citizen.press("photos:done")
    await citizen.press("confirm:yes")
    assert citizen.last_reply().startswith("已受理，案件编号 ")
    number = case_number_in(citizen.last_reply())
    resp = await citizen.client.get(f"/api/v1/cases/{number}", headers=gateway.api.auth())
    case = await resp.json()
    assert case["class"]["major_name"] == "公用设施" and case["grid_code"].startswith("320508")


async def test_many_citizens_at_once(gateway: Gateway) -> None:
    places = [(31.3126, 120.6104), (31.3000, 120.5800), (31.3200, 120.6300), (31.2900, 120.6000)]

    async def report(lat: float, lon: float) -> str:
        citizen = gateway.citizen()
        await citizen.say("/start")
        await citizen.press("lang:zh")
        await citizen.say(f"这里的路灯不亮了，位置 {lat} {lon}")
        await citizen.press("cls:staff")
        await citizen.share_location(lat, lon)
        await citizen.press("photos:done")
        await citizen.press("confirm:yes")
        return case_number_in(citizen.last_reply())

    numbers = await asyncio.gather(*(report(lat, lon) for lat, lon in places))
    assert len(set(numbers)) == len(places), numbers


async def test_an_album_sent_at_once_keeps_every_photo_and_the_limit(start_gateway: StartGateway, sqlite_url: str) -> None:
    gateway = await start_gateway(sqlite_url, max_photos=2)
    citizen = gateway.citizen()
    await citizen.say("/start")
    await citizen.press("lang:zh")
    await citizen.say("小区门口的垃圾桶满了")
    await citizen.press("cls:staff")
    await citizen.share_location(31.3126, 120.6104)
    await citizen.send_photo(b"not an image at all", "broken")
    assert citizen.last_reply() == "这张图片无法读取，请换一张 JPEG 或 PNG 照片。"
    images = [picture("JPEG", size=(40 + i, 20)) for i in range(3)]
    await asyncio.gather(*(citizen.send_photo(data, f"album-{i}") for i, data in enumerate(images)))
    assert citizen.replies().count("最多只能附 2 张照片，请点“完成”。") == 1, "the third photo of the album is refused"
    await citizen.press("photos:done")
    assert "照片：2 张" in citizen.last_reply()
