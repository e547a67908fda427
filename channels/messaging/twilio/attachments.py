"""Media sent with a message (MediaUrl0…): type checked first, downloaded with the account's credentials, content checked, stored."""
from __future__ import annotations

from channels.messaging.twilio.edge import TwilioError, download
from gateway.i18n import message
from gateway.location.errors import PhotoError
from gateway.media import EXTENSIONS, RECORDING_EXTENSIONS, MediaStore, StoredMedia
from gateway.settings import TwilioSettings

MAX_ITEMS = 8


class MediaRefused(ValueError):
    """An attachment the channel will not take; `code` keys the channel's texts."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def check_types(media: list[tuple[str, str]]) -> None:
    """Refuse before downloading anything: too many items, or a type that is neither a picture nor a recording we keep."""
    if len(media) > MAX_ITEMS:
        raise MediaRefused("too_many_media", limit=MAX_ITEMS)
    for _, content_type in media:
        if content_type not in EXTENSIONS and content_type not in RECORDING_EXTENSIONS:
            raise MediaRefused("media_unsupported", kind=content_type or "?")


def recording_kind(data: bytes) -> str | None:
    """"wav" (RIFF…WAVE), "mp3" (ID3 tag or an MPEG frame sync), or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


async def fetch(config: TwilioSettings, store: MediaStore, url: str, content_type: str, max_bytes: int, lang: str) -> StoredMedia:
    """One item kept: a photo cleaned of metadata, or a recording whose bytes are really one."""
    try:
        data, _ = await download(config, url, max_bytes)
    except TwilioError as exc:
        raise MediaRefused("media_unavailable") from exc
    if content_type in EXTENSIONS:
        try:
            photo = await store.clean_photo(data)
        except PhotoError as exc:
            raise MediaRefused("media_unreadable", reason=message(exc.code, lang, **exc.params)) from exc
        return store.save_photo(photo)
    if recording_kind(data) != RECORDING_EXTENSIONS[content_type]:
        raise MediaRefused("media_unsupported", kind=content_type)
    return store.save_recording(data, content_type)


async def fetch_all(config: TwilioSettings, store: MediaStore, public_base_url: str, media: list[tuple[str, str]],
                    max_bytes: int, lang: str) -> list[dict[str, str]]:
    """The `media` items of a report for everything attached; raises MediaRefused at the first bad one."""
    check_types(media)
    base = public_base_url.rstrip("/")
    items = []
    for url, content_type in media:
        stored = await fetch(config, store, url, content_type, max_bytes, lang)
        items.append({"url": f"{base}/media/{stored.name}", "content_type": stored.content_type})
    return items
