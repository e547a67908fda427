"""One Twilio messaging webhook as the gateway reads it: sender, channel, body, media, shared location, language."""
from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, Field

from gateway.domain import Channel

WHATSAPP_PREFIX = "whatsapp:"
PHONE = re.compile(r"^\+?[0-9]{3,20}$")
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
MAX_MEDIA = 10
MAX_PLACE_CHARS = 300


class Inbound(BaseModel):
    """The fields of Twilio's request that the conversation uses."""

    sid: str = Field(pattern=r"^[A-Z]{2}[0-9a-fA-F]{32}$")
    sender: str = Field(min_length=1, max_length=128)
    to: str = Field(max_length=128)
    body: str = ""
    media: list[tuple[str, str]] = []
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    place: str | None = None

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> Inbound:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA + 1)
        media = [(form.get(f"MediaUrl{i}", ""), form.get(f"MediaContentType{i}", "").lower()) for i in range(count)]
        lat, lon = form.get("Latitude"), form.get("Longitude")
        return cls(
            sid=form.get("MessageSid") or form.get("SmsSid") or "", sender=form.get("From", ""), to=form.get("To", ""),
            body=(form.get("Body") or "").strip(), media=media,
            lat=float(lat) if lat else None, lon=float(lon) if lon else None,
            place=(form.get("Address") or form.get("Label") or "")[:MAX_PLACE_CHARS] or None,
        )

    @property
    def channel(self) -> Channel:
        return Channel.WHATSAPP if self.sender.startswith(WHATSAPP_PREFIX) else Channel.SMS

    @property
    def address(self) -> str:
        """The sender's number without the whatsapp: prefix (the opt-out address and the report's contact)."""
        return self.sender.removeprefix(WHATSAPP_PREFIX)

    @property
    def line(self) -> str:
        return self.to.removeprefix(WHATSAPP_PREFIX)

    @property
    def readable_sender(self) -> bool:
        return bool(PHONE.match(self.address))


def language_of(body: str, fallback: str) -> str:
    """Chinese characters mean zh, Latin letters en; otherwise (digits, emoji, nothing) the fallback."""
    if CJK.search(body):
        return "zh"
    if LATIN.search(body):
        return "en"
    return fallback
