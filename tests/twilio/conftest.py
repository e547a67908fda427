"""Twilio fixtures: a local Twilio REST API, the gateway with both Twilio channels, and phones and callers that post
webhooks signed exactly as Twilio signs them."""
from __future__ import annotations

import itertools
import uuid
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient
from twilio.request_validator import RequestValidator

from classifier import Classifier
from gateway.location import Locator
from gateway.settings import HotlineLine, Settings, TwilioSettings
from tests.core.conftest import Api, make_settings, start_api
from tests.core.test_full_pipeline import classifier, locator  # noqa: F401  (session fixtures)
from tests.support.receiver import Receiver, running_receiver
from tests.conftest import SECRET
from tests.twilio.restapi import TwilioRestServer, running_twilio

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "auth-token-0123456789abcdef"
PUBLIC = "https://gateway.example.org"
SMS_LINE = "+8651265112319"
WHATSAPP_LINE = "+8651265188888"
ZH_LINE, EN_LINE, CHOICE_LINE = "+8651212319", "+8651212345", "+8651200000"
_numbers = itertools.count(13_800_000_001)


def twilio_settings(database_url: str, redis_url: str, platform_url: str, rest_url: str, media_dir: Path, **twilio: Any) -> Settings:
    settings = make_settings(database_url, redis_url, platform_url)
    lines = [HotlineLine(number=ZH_LINE, language="zh"), HotlineLine(number=EN_LINE, language="en"),
             HotlineLine(number=CHOICE_LINE, language="choice"), HotlineLine(number=SMS_LINE, language="zh")]
    config = TwilioSettings(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_base_url=rest_url, lines=lines, sms_from=SMS_LINE,
                            whatsapp_from=f"whatsapp:{WHATSAPP_LINE}", **twilio)
    return settings.model_copy(update={"channels": ["messaging.twilio", "hotline.twilio"], "twilio": config, "media_dir": media_dir,
                                       "public_base_url": PUBLIC})


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


async def post_signed(client: TestClient, url: str, params: dict[str, str], *, signature: str | None = None) -> tuple[int, str]:
    """POST `params` to the public `url` the way Twilio does (the signature covers the public URL), to the app's path."""
    headers = {"X-Twilio-Signature": signature if signature is not None else sign(url, params)}
    parts = urlsplit(url)
    resp = await client.post(parts.path + (f"?{parts.query}" if parts.query else ""), data=params, headers=headers)
    return resp.status, await resp.text()


def new_number() -> str:
    return f"+86{next(_numbers)}"


@dataclass
class Phone:
    """A mobile that texts the gateway by SMS, or by WhatsApp when `whatsapp`."""

    client: TestClient
    number: str = field(default_factory=new_number)
    whatsapp: bool = False
    sent: list[dict[str, str]] = field(default_factory=list)

    @property
    def sender(self) -> str:
        return f"whatsapp:{self.number}" if self.whatsapp else self.number

    def params(self, body: str = "", *, media: list[tuple[str, str]] = (), to: str | None = None, **extra: str) -> dict[str, str]:
        line = to or (WHATSAPP_LINE if self.whatsapp else SMS_LINE)
        params = {
            "ToCountry": "CN", "ToState": "", "SmsMessageSid": "", "NumMedia": str(len(media)), "ToCity": "", "FromZip": "",
            "SmsSid": "", "FromState": "", "SmsStatus": "received", "FromCity": "", "Body": body, "FromCountry": "CN",
            "To": f"whatsapp:{line}" if self.whatsapp else line, "ToZip": "", "NumSegments": "1", "MessageSid": "",
            "AccountSid": ACCOUNT_SID, "From": self.sender, "ApiVersion": "2010-04-01",
        }
        sid = f"{'MM' if media else 'SM'}{uuid.uuid4().hex}"
        params["MessageSid"] = params["SmsSid"] = params["SmsMessageSid"] = sid
        for i, (url, content_type) in enumerate(media):
            params[f"MediaUrl{i}"], params[f"MediaContentType{i}"] = url, content_type
        if self.whatsapp:
            params |= {"ProfileName": "小王", "WaId": self.number.lstrip("+"), "MessageType": "location" if "Latitude" in extra else "text"}
        return params | extra

    async def post(self, params: dict[str, str]) -> tuple[int, str]:
        self.sent.append(params)
        return await post_signed(self.client, PUBLIC + "/channels/twilio/messaging", params)

    async def text(self, body: str = "", **kwargs: Any) -> str:
        """Send one message; the reply in the TwiML (empty when the gateway says nothing)."""
        status, twiml = await self.post(self.params(body, **kwargs))
        assert status == 200, twiml
        return reply_of(twiml)


def reply_of(twiml: str) -> str:
    root = ET.fromstring(twiml)
    assert root.tag == "Response", twiml
    return "\n".join(m.text or "" for m in root.iter("Message"))


@dataclass
class Caller:
    """One phone call to a Twilio line; each turn posts what Twilio posts after the last TwiML and keeps the answer."""

    client: TestClient
    line: str
    number: str = field(default_factory=new_number)
    sid: str = field(default_factory=lambda: f"CA{uuid.uuid4().hex}")
    twiml: ET.Element | None = None

    def params(self, **extra: str) -> dict[str, str]:
        return {"AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "CallSid": self.sid, "CallStatus": "in-progress",
                "Called": self.line, "Caller": self.number, "Direction": "inbound", "From": self.number, "To": self.line,
                "FromCountry": "CN", "ToCountry": "CN"} | extra

    async def turn(self, url: str, **extra: str) -> ET.Element:
        status, body = await post_signed(self.client, url, self.params(**extra))
        assert status == 200, body
        self.twiml = ET.fromstring(body)
        return self.twiml

    async def dial(self) -> ET.Element:
        return await self.turn(PUBLIC + "/channels/twilio/voice", CallStatus="ringing")

    @property
    def gather(self) -> ET.Element:
        assert self.twiml is not None
        found = self.twiml.find("Gather")
        assert found is not None, ET.tostring(self.twiml, encoding="unicode")
        return found

    async def speak(self, words: str) -> ET.Element:
        """Answer the Gather with speech, as Twilio's recogniser reports it."""
        assert "speech" in self.gather.get("input", "")
        return await self.turn(self.gather.get("action", ""), SpeechResult=words, Confidence="0.92")

    async def press(self, digit: str) -> ET.Element:
        assert "dtmf" in self.gather.get("input", "")
        return await self.turn(self.gather.get("action", ""), Digits=digit, FinishedOnKey="")

    async def stay_silent(self) -> ET.Element:
        """Say nothing: Twilio runs the verb after the Gather (our Redirect) and requests its URL."""
        assert self.twiml is not None
        redirect = self.twiml.find("Redirect")
        assert redirect is not None and redirect.text
        return await self.turn(redirect.text)

    def said(self) -> list[tuple[str, str]]:
        """(language, words) of every Say in the last TwiML, in order."""
        assert self.twiml is not None
        return [(say.get("language", ""), say.text or "") for say in self.twiml.iter("Say")]


@dataclass
class Gateway:
    api: Api
    rest: TwilioRestServer
    platform: Receiver
    media_dir: Path

    def phone(self, **kwargs: Any) -> Phone:
        return Phone(self.api.client, **kwargs)

    def caller(self, line: str = ZH_LINE) -> Caller:
        return Caller(self.api.client, line)

    async def case(self, number: str) -> dict[str, Any]:
        resp = await self.api.client.get(f"/api/v1/cases/{number}", headers=self.api.auth())
        assert resp.status == 200, await resp.text()
        return await resp.json()


StartGateway = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def rest() -> AsyncIterator[TwilioRestServer]:
    async with running_twilio(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
async def platform() -> AsyncIterator[Receiver]:
    async with running_receiver(SECRET) as receiver:
        yield receiver


@pytest.fixture
async def start_gateway(
    aiohttp_client: Any, tmp_path: Path, redis_url: str, platform: Receiver, rest: TwilioRestServer,
    classifier: Classifier, locator: Locator,  # noqa: F811
) -> AsyncIterator[StartGateway]:
    stores = []

    async def start(database_url: str, **twilio: Any) -> Gateway:
        settings = twilio_settings(database_url, redis_url, platform.url, rest.url, tmp_path / "media", **twilio)
        api = await start_api(aiohttp_client, settings, classifier=classifier, locator=locator)
        stores.append(api.store)
        return Gateway(api, rest, platform, tmp_path / "media")

    yield start
    for store in stores:
        await store.close()


@pytest.fixture
async def gateway(start_gateway: StartGateway, sqlite_url: str) -> Gateway:
    return await start_gateway(sqlite_url)
