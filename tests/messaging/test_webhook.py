"""The webhook's edges: the secret token, start-up without settings, repeated and odd updates, limits, expiry."""
from __future__ import annotations

from pathlib import Path

import pytest
import redis

from channels.messaging.telegram.botapi import TelegramError
from gateway.app import build_app
from gateway.intake.pipeline import Pipeline
from gateway.settings import Settings, load_settings
from tests.messaging.conftest import Gateway, StartGateway
from tests.messaging.updates import Citizen


async def test_wrong_or_missing_secret_is_refused_and_nothing_is_kept(gateway: Gateway, redis_url: str) -> None:
    citizen = gateway.citizen()
    update = {"update_id": 990001, "message": citizen.message(text="/start", entities=[{"offset": 0, "length": 6, "type": "bot_command"}])}
    assert await citizen.post(update, secret="not-the-secret-0123456789") == 403
    resp = await citizen.client.post("/channels/telegram/webhook", json=update)
    assert resp.status == 403
    assert not redis.Redis.from_url(redis_url).keys("telegram:*"), "no state, no update id, no counter"
    assert gateway.bot_api.called("sendMessage") == []
    assert await citizen.post(update) == 200, "the same update with the right secret is taken"
    assert "请选择语言" in citizen.last_reply()


async def test_not_an_update_is_a_bad_request(gateway: Gateway) -> None:
    citizen = gateway.citizen()
    headers = {"X-Telegram-Bot-Api-Secret-Token": citizen.secret}
    assert (await citizen.client.post("/channels/telegram/webhook", data=b"{nope", headers=headers)).status == 400
    assert (await citizen.client.post("/channels/telegram/webhook", json=[1, 2], headers=headers)).status == 400


def test_listed_but_not_configured_refuses_to_start(sqlite_url: str, redis_url: str) -> None:
    settings = Settings(database_url=sqlite_url, redis_url=redis_url, channels=["messaging.telegram"])
    with pytest.raises(TelegramError, match="GATEWAY_TELEGRAM__TOKEN"):
        build_app(settings)


async def test_a_repeated_update_is_handled_once(gateway: Gateway) -> None:
    citizen = gateway.citizen()
    update = {"update_id": 990002, "message": citizen.message(text="/help", entities=[{"offset": 0, "length": 5, "type": "bot_command"}])}
    assert await citizen.post(update) == 200
    assert await citizen.post(update) == 200
    assert len(citizen.replies()) == 1


async def test_odd_messages_get_a_clear_reply(gateway: Gateway) -> None:
    citizen = gateway.citizen()
    await citizen.say("你好")
    assert citizen.last_reply().startswith("发送 /start 开始上报")
    await citizen.say("/start")
    await citizen.press("lang:zh")
    await citizen.update(message=citizen.message(sticker={"file_id": "st1", "file_unique_id": "ust1", "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}))
    assert "无法处理语音、贴纸或文件" in citizen.last_reply()
    await citizen.update(message=citizen.message(voice={"file_id": "v1", "file_unique_id": "uv1", "duration": 3, "mime_type": "audio/ogg"}))
    assert "无法处理语音、贴纸或文件" in citizen.last_reply()
    await citizen.update(message=citizen.message(document={"file_id": "d1", "file_unique_id": "ud1", "file_name": "a.pdf", "mime_type": "application/pdf"}))
    assert "无法处理语音、贴纸或文件" in citizen.last_reply()
    await citizen.update(message=citizen.message(document={"file_id": "d2", "file_unique_id": "ud2", "file_name": "p.jpg", "mime_type": "image/jpeg"}))
    assert citizen.last_reply() == "请把图片作为“照片”发送，而不是文件。"
    await citizen.say("很" * (gateway.api.settings.intake.max_text_chars + 1))
    assert citizen.last_reply().startswith("描述过长（上限 5000 字）")
    edited = citizen.message(text="改过的描述") | {"edit_date": 1_700_000_000}
    await citizen.update(edited_message=edited)
    assert citizen.last_reply().startswith("修改过的消息不会被采用")
    await citizen.say("井盖没了")
    await citizen.say("还有一句")
    assert citizen.last_reply() == "请点上方按钮选择，或发送 /cancel 取消。"


async def test_cancel_and_expired_buttons(gateway: Gateway, redis_url: str) -> None:
    citizen = gateway.citizen(language_code="en")
    await citizen.say("/cancel")
    assert citizen.last_reply().startswith("There is no report in progress")
    await citizen.say("/start")
    await citizen.press("lang:en")
    await citizen.say("A manhole cover is missing on Renmin Road")
    ttl = redis.Redis.from_url(redis_url).ttl(f"telegram:conv:{citizen.chat_id}")
    assert 0 < ttl <= gateway.api.settings.telegram.state_ttl_seconds  # type: ignore[union-attr]
    await citizen.say("/cancel")
    assert citizen.last_reply().startswith("Cancelled.")
    await citizen.press("cls:staff")
    [alert] = gateway.bot_api.called("answerCallbackQuery")[-1:]
    assert alert["text"].startswith("This step has expired") and alert["show_alert"] in (True, "true", "True")


async def test_abandoned_conversation_expires(gateway: Gateway, redis_url: str) -> None:
    citizen = gateway.citizen()
    await citizen.say("/start")
    await citizen.press("lang:zh")
    redis.Redis.from_url(redis_url).delete(f"telegram:conv:{citizen.chat_id}")  # what the time-to-live does
    await citizen.say("井盖没了")
    assert citizen.last_reply().startswith("发送 /start 开始上报")


async def reach_summary(citizen: Citizen, text: str, lat: float, lon: float) -> None:
    await citizen.say("/start")
    await citizen.press("lang:zh")
    await citizen.say(text)
    await citizen.press("cls:staff")
    await citizen.share_location(lat, lon)
    await citizen.press("photos:done")


async def test_reports_per_hour_are_limited(start_gateway: StartGateway, sqlite_url: str) -> None:
    gateway = await start_gateway(sqlite_url, reports_per_user_per_hour=1)
    citizen = gateway.citizen()
    await reach_summary(citizen, "人民路上的路灯坏了", 31.3126, 120.6104)
    await citizen.press("confirm:yes")
    assert citizen.last_reply().startswith("已受理")
    await reach_summary(citizen, "解放路上有人乱倒建筑垃圾", 31.2900, 120.5800)
    await citizen.press("confirm:yes")
    assert citizen.last_reply() == "您一小时内已上报 1 次，请稍后再试。"


async def test_messages_per_minute_are_limited(start_gateway: StartGateway, sqlite_url: str) -> None:
    gateway = await start_gateway(sqlite_url, messages_per_user_per_minute=3)
    citizen = gateway.citizen()
    for _ in range(5):
        await citizen.say("/help")
    assert len(citizen.replies()) == 4 and citizen.last_reply() == "消息过于频繁，请稍后再试。"
    other = gateway.citizen()
    await other.say("/help")
    assert other.last_reply().startswith("发送 /start 上报"), "another chat has its own count"


async def test_a_failure_is_told_and_the_report_can_be_sent_again(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    citizen = gateway.citizen()
    await reach_summary(citizen, "人民路上的路灯坏了", 31.3126, 120.6104)

    async def unavailable(*_: object, **__: object) -> None:
        raise ConnectionError("database unavailable")

    monkeypatch.setattr(Pipeline, "submit", unavailable)
    await citizen.press("confirm:yes")
    assert citizen.last_reply() == "抱歉，出了点问题，请稍后再试。您的进度已保留。"
    monkeypatch.undo()
    await citizen.press("confirm:yes")
    assert citizen.last_reply().startswith("已受理，案件编号 ")


def test_token_and_secret_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("channels: [messaging.telegram]\ntelegram:\n  state_ttl_seconds: 600\n", encoding="utf-8")
    monkeypatch.setenv("GATEWAY_TELEGRAM__TOKEN", "123456:from-the-environment")
    monkeypatch.setenv("GATEWAY_TELEGRAM__WEBHOOK_SECRET", "secret-from-the-environment")
    telegram = load_settings(config).telegram
    assert telegram is not None and telegram.token == "123456:from-the-environment"
    assert telegram.webhook_secret == "secret-from-the-environment" and telegram.state_ttl_seconds == 600
    monkeypatch.setenv("GATEWAY_TELEGRAM__WEBHOOK_SECRET", "short")
    with pytest.raises(ValueError):
        load_settings(config)
