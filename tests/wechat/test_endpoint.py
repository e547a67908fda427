"""The endpoint's edges: the verification echo, forged and replayed callbacks, bad XML, the wrong account; nothing kept."""
from __future__ import annotations

import time

import pytest
import redis
import yaml

from channels.messaging.wechat.api import WechatError
from channels.messaging.wechat.crypto import MessageCrypto
from gateway.app import build_app
from gateway.settings import Settings
from tests.wechat.conftest import Gateway
from tests.wechat.users import ACCOUNT, signed_query, xml_of

BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><xml><ToUserName>gh</ToUserName><FromUserName>oX</FromUserName>'
        '<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol2;</Content><MsgId>1</MsgId></xml>')


async def nothing_kept(gateway: Gateway, redis_url: str) -> None:
    assert not redis.Redis.from_url(redis_url).keys("wechat:*"), "no claim, no state, no counter"
    assert await gateway.api.store.deliveries() == []
    assert gateway.wechat_api.calls == []


async def test_the_verification_echo(gateway: Gateway) -> None:
    client, config = gateway.api.client, gateway.config
    resp = await client.get("/channels/wechat", params=signed_query(config, echostr="echo-5230"))
    assert resp.status == 200 and await resp.text() == "echo-5230"
    forged = signed_query(config, echostr="echo-5230") | {"signature": "0" * 40}
    assert (await client.get("/channels/wechat", params=forged)).status == 403
    old = signed_query(config, timestamp=int(time.time()) - 3600, echostr="echo-5230")
    assert (await client.get("/channels/wechat", params=old)).status == 403


async def test_forged_stale_and_malformed_callbacks_are_refused(gateway: Gateway, redis_url: str) -> None:
    user = gateway.user()
    client, config = gateway.api.client, gateway.config
    body = xml_of(user.fields("text", Content="上报")).encode()
    forged = signed_query(config) | {"signature": "da39a3ee5e6b4b0d3255bfef95601890afd80709"}
    resp = await client.post("/channels/wechat", params=forged, data=body)
    assert resp.status == 403 and "signature" in await resp.text()
    assert (await client.post("/channels/wechat", params={k: v for k, v in forged.items() if k != "signature"}, data=body)).status == 403
    replayed = signed_query(config, timestamp=int(time.time()) - 3600)
    resp = await client.post("/channels/wechat", params=replayed, data=body)
    assert resp.status == 403 and "replay" in await resp.text()
    for bad in (b"<xml><Content>", BOMB.encode(), xml_of({"ToUserName": ACCOUNT, "Content": "no sender"}).encode(), b"\xff" * 10):
        resp = await client.post("/channels/wechat", params=signed_query(config), data=bad)
        assert resp.status == 400, bad
    resp = await client.post("/channels/wechat", params=signed_query(config), data=b"<xml>" + b"x" * 70_000 + b"</xml>")
    assert resp.status == 413
    await nothing_kept(gateway, redis_url)
    assert (await user.say("上报")).startswith("请用文字或语音描述"), "the genuine message is taken"


async def test_safe_mode_refuses_plain_forged_and_foreign_messages(safe_gateway: Gateway, redis_url: str) -> None:
    user = safe_gateway.user()
    client, config = safe_gateway.api.client, safe_gateway.config
    assert config.encoding_aes_key
    plain = xml_of(user.fields("text", Content="上报"))
    resp = await client.post("/channels/wechat", params=signed_query(config), data=plain.encode())
    assert resp.status == 403 and "encrypted" in await resp.text()
    foreign = MessageCrypto(config.encoding_aes_key, "wxforeign00000000").encrypt(plain)
    resp = await client.post("/channels/wechat", params=signed_query(config, body_encrypt=foreign),
                             data=xml_of({"ToUserName": ACCOUNT, "Encrypt": foreign}).encode())
    assert resp.status == 403 and "AppId" in await resp.text()
    ours = MessageCrypto(config.encoding_aes_key, config.app_id).encrypt(plain)
    forged = signed_query(config, body_encrypt=ours) | {"msg_signature": "1" * 40}
    assert (await client.post("/channels/wechat", params=forged, data=xml_of({"ToUserName": ACCOUNT, "Encrypt": ours}).encode())).status == 403
    bomb = MessageCrypto(config.encoding_aes_key, config.app_id).encrypt(BOMB)
    resp = await client.post("/channels/wechat", params=signed_query(config, body_encrypt=bomb), data=xml_of({"ToUserName": ACCOUNT, "Encrypt": bomb}).encode())
    assert resp.status == 400 and "DTD" in await resp.text()
    without = {k: v for k, v in signed_query(config, body_encrypt=ours).items() if k != "signature"}
    old = {k: v for k, v in signed_query(config, timestamp=int(time.time()) - 3600, body_encrypt=ours).items() if k != "signature"}
    assert (await client.post("/channels/wechat", params=old, data=xml_of({"ToUserName": ACCOUNT, "Encrypt": ours}).encode())).status == 403
    await nothing_kept(safe_gateway, redis_url)
    resp = await client.post("/channels/wechat", params=without, data=xml_of({"ToUserName": ACCOUNT, "Encrypt": ours}).encode())
    assert resp.status == 200, "msg_signature alone proves an encrypted message"
    assert (await user.say("上报")).startswith("请用文字或语音描述")


def test_listed_but_not_configured_refuses_to_start(sqlite_url: str, redis_url: str) -> None:
    settings = Settings(database_url=sqlite_url, redis_url=redis_url, channels=["messaging.wechat"])
    with pytest.raises(WechatError, match="GATEWAY_WECHAT__APP_SECRET"):
        build_app(settings)


async def test_unsubscribe_stops_notifications_and_subscribe_restores_them(gateway: Gateway) -> None:
    user = gateway.user()
    assert await user.event("unsubscribe") == ""
    assert await gateway.api.store.opted_out("wechat", user.openid)
    await user.event("subscribe")
    assert not await gateway.api.store.opted_out("wechat", user.openid)


def test_the_example_settings_document_every_wechat_key() -> None:
    from gateway.settings import REPO_ROOT, WechatSettings

    example = yaml.safe_load((REPO_ROOT / "config" / "gateway.example.yaml").read_text(encoding="utf-8"))
    assert set(example["wechat"]) == set(WechatSettings.model_fields)
    assert WechatSettings(**example["wechat"]).api_base_url == "https://api.weixin.qq.com"


def test_the_encoding_aes_key_must_be_one() -> None:
    from pydantic import ValidationError

    from gateway.settings import WechatSettings

    base = {"token": "t0ken", "app_id": "wx1", "app_secret": "s"}
    assert WechatSettings(**base).encoding_aes_key == ""
    assert WechatSettings(**base, encoding_aes_key="ab+/" + "c" * 39).encoding_aes_key.startswith("ab+/")
    for bad in ("c" * 42, "c" * 44, "!" * 43):
        with pytest.raises(ValidationError, match="EncodingAESKey"):
            WechatSettings(**base, encoding_aes_key=bad)


def test_the_console_names_the_channel() -> None:
    from channels.web.console.case_texts import channel_label

    assert channel_label("wechat", "zh") == "微信公众号" and channel_label("wechat", "en") == "WeChat"
