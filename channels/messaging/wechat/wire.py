"""WeChat's XML as the gateway reads and writes it: callbacks parsed by a parser that refuses DTDs and entities
(defusedxml), passive replies and encrypted envelopes written with every value in CDATA."""
from __future__ import annotations

import time
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import BaseModel, Field, ValidationError


class WireError(ValueError):
    """A body that is not a WeChat callback."""


def parse_xml(data: bytes | str) -> dict[str, str]:
    """The top-level fields of an `<xml>` document; WireError on anything else (a DTD or entity too)."""
    try:
        root: Element = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise WireError(f"XML with a DTD or entities is refused ({type(exc).__name__})") from None
    except (ParseError, ValueError) as exc:
        raise WireError(f"malformed XML: {exc}") from None
    if root.tag != "xml":
        raise WireError(f"not a WeChat message: root element <{root.tag}>")
    return {child.tag: (child.text or "").strip() for child in root if len(child) == 0}


class Inbound(BaseModel):
    """One message or event from a user, by the fields the channel reads."""

    to_user: str = Field(alias="ToUserName", min_length=1, max_length=64)
    openid: str = Field(alias="FromUserName", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    create_time: int = Field(alias="CreateTime", ge=0)
    msg_type: str = Field(alias="MsgType", min_length=1, max_length=32)
    msg_id: str | None = Field(default=None, alias="MsgId", pattern=r"^[A-Za-z0-9_-]{1,64}$")
    content: str = Field(default="", alias="Content")
    media_id: str | None = Field(default=None, alias="MediaId", max_length=256)
    recognition: str = Field(default="", alias="Recognition")
    lat: float | None = Field(default=None, alias="Location_X", ge=-90, le=90)
    lon: float | None = Field(default=None, alias="Location_Y", ge=-180, le=180)
    label: str = Field(default="", alias="Label", max_length=300)
    event: str = Field(default="", alias="Event", max_length=64)
    event_key: str = Field(default="", alias="EventKey", max_length=256)
    menu_choice: str = Field(default="", alias="bizmsgmenuid", max_length=64)

    @property
    def dedup_key(self) -> str:
        """What identifies a retry: the MsgId of a message, the sender and time of an event (and which event it is)."""
        return self.msg_id or f"{self.openid}:{self.create_time}:{self.event}:{self.event_key}"


def inbound(fields: dict[str, str]) -> Inbound:
    try:
        return Inbound.model_validate({key: value for key, value in fields.items() if value != ""})
    except ValidationError as exc:
        raise WireError(f"not a WeChat message: {exc.errors()[0]['loc']} {exc.errors()[0]['msg']}") from None


def cdata(value: str) -> str:
    """`value` as CDATA; a `]]>` inside is split across two sections."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to: str, sender: str, content: str) -> str:
    """A passive text reply to the user `to` from the account `sender`."""
    return (f"<xml><ToUserName>{cdata(to)}</ToUserName><FromUserName>{cdata(sender)}</FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType>{cdata('text')}</MsgType><Content>{cdata(content)}</Content></xml>")


def envelope(encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """The encrypted reply of safe mode."""
    return (f"<xml><Encrypt>{cdata(encrypted)}</Encrypt><MsgSignature>{cdata(msg_signature)}</MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>")
