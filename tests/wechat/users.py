"""WeChat users as the gateway meets them: callbacks signed (and in safe mode encrypted) the way WeChat's servers send
them, and the passive replies read back."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp.test_utils import TestClient

from channels.messaging.wechat.crypto import MessageCrypto, signature
from channels.messaging.wechat.wire import cdata, parse_xml
from gateway.settings import WechatSettings

ACCOUNT = "gh_0123456789ab"
_msg_ids = itertools.count(24_000_000_000_000_001)
_nonces = itertools.count(100_001)


def xml_of(fields: dict[str, Any]) -> str:
    inner = "".join(f"<{k}>{v}</{k}>" if isinstance(v, (int, float)) else f"<{k}>{cdata(str(v))}</{k}>" for k, v in fields.items())
    return f"<xml>{inner}</xml>"


def signed_query(config: WechatSettings, timestamp: int | None = None, body_encrypt: str | None = None, **extra: str) -> dict[str, str]:
    stamp, nonce = str(int(time.time()) if timestamp is None else timestamp), str(next(_nonces))
    query = {"signature": signature(config.token, stamp, nonce), "timestamp": stamp, "nonce": nonce} | extra
    if body_encrypt is not None:
        query |= {"encrypt_type": "aes", "msg_signature": signature(config.token, stamp, nonce, body_encrypt)}
    return query


@dataclass
class User:
    """One follower of the account; `replies` holds what the gateway answered in its responses."""

    client: TestClient
    config: WechatSettings
    openid: str
    replies: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def fields(self, msg_type: str, **values: Any) -> dict[str, Any]:
        base: dict[str, Any] = {"ToUserName": ACCOUNT, "FromUserName": self.openid, "CreateTime": int(time.time()), "MsgType": msg_type}
        if msg_type != "event":
            base["MsgId"] = next(_msg_ids)
        return base | values

    async def post(self, fields: dict[str, Any], **query: str) -> str:
        """Send one callback as WeChat does; the passive reply's text ('' for success), also kept in `replies`."""
        plain = xml_of(fields)
        if self.config.encoding_aes_key:
            encrypted = MessageCrypto(self.config.encoding_aes_key, self.config.app_id).encrypt(plain)
            body, params = xml_of({"ToUserName": ACCOUNT, "Encrypt": encrypted}), signed_query(self.config, body_encrypt=encrypted, openid=self.openid)
        else:
            body, params = plain, signed_query(self.config, openid=self.openid)
        resp = await self.client.post("/channels/wechat", params=params | query, data=body.encode(), headers={"Content-Type": "text/xml"})
        self.statuses.append(resp.status)
        answer = await resp.text()
        assert resp.status == 200, answer
        reply = self.read_reply(answer, params)
        self.replies.append(reply)
        return reply

    def read_reply(self, answer: str, params: dict[str, str]) -> str:
        if answer == "success":
            return ""
        fields = parse_xml(answer)
        if self.config.encoding_aes_key:
            assert fields["MsgSignature"] == signature(self.config.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            assert fields["Nonce"] == params["nonce"]
            fields = parse_xml(MessageCrypto(self.config.encoding_aes_key, self.config.app_id).decrypt(fields["Encrypt"]))
        assert fields["ToUserName"] == self.openid and fields["FromUserName"] == ACCOUNT and fields["MsgType"] == "text"
        return fields["Content"]

    async def say(self, content: str, **extra: Any) -> str:
        return await self.post(self.fields("text", Content=content, **extra))

    async def voice(self, recognition: str | None) -> str:
        values = {"MediaId": "voice-media-1", "Format": "amr"} | ({"Recognition": recognition} if recognition is not None else {})
        return await self.post(self.fields("voice", **values))

    async def photo(self, media_id: str) -> str:
        return await self.post(self.fields("image", PicUrl=f"http://mmbiz.example/{media_id}", MediaId=media_id))

    async def location(self, lat: float, lon: float, label: str = "") -> str:
        return await self.post(self.fields("location", Location_X=lat, Location_Y=lon, Scale=15, Label=label))

    async def event(self, event: str, key: str = "") -> str:
        return await self.post(self.fields("event", Event=event, **({"EventKey": key} if key else {})))

    def last(self) -> str:
        return self.replies[-1]
