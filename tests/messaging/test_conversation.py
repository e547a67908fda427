"""Whole conversations fed as Telegram updates end as classified, located cases."""
from __future__ import annotations

from typing import Any

import pytest

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
