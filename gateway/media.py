"""Photos and recordings kept by the gateway: stored cleaned, named by content, served to platforms.

Photos are public by their unguessable content name (/media/<sha256>.jpg). Recordings hold a caller's voice:
agents play them behind the console's login, and platforms get signed, expiring links instead
(/media/<sha256>.wav?expires=<unix time>&signature=<HMAC>), made when a payload is written and checked without
any session; the HMAC key is the server's own, kept in SQL.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from gateway.location.exif import MAX_PIXELS, Photo, read_photo
from gateway.signing import subject_token, subject_token_valid
from gateway.store.clock import utcnow

NAME_PATTERN = r"[0-9a-f]{64}\.(jpg|png|webp)"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
RECORDING_PATTERN = r"[0-9a-f]{64}\.(wav|mp3)"
RECORDING_EXTENSIONS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3"}
RECORDING_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg"}
LINK_SECRET_SETTING = "media.link_secret"  # admin_settings key of the HMAC key of signed links
_RECORDING_PATHS = re.compile(r"/(?:console/recordings|media)/(" + RECORDING_PATTERN + ")")


@dataclass(frozen=True)
class StoredMedia:
    name: str
    content_type: str
    gps: tuple[float, float] | None


class PhotoPool:
    """Photos decoded and cleaned off the event loop: at most `workers` at once, each refused past `max_pixels`.

    Decoding a large image takes seconds of CPU (a 6000×6000 PNG of 105 KB, over a second); done in a request's task
    it would stall every other request of the process. Pillow releases the GIL while it decodes and encodes, so
    threads keep the loop answering; the bound keeps the memory that decoded pixels take in check."""

    def __init__(self, workers: int = 2, max_pixels: int = MAX_PIXELS) -> None:
        self.max_pixels = max_pixels
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="photos")

    async def clean(self, data: bytes) -> Photo:
        """`read_photo` in the pool: the cleaned photo, or PhotoError (image_too_large past the pixel budget)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, read_photo, data, self.max_pixels)

    def close(self) -> None:
        """Stop taking work; photos being cleaned finish in their threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)


class MediaStore:
    """A directory of cleaned files, each beside a small JSON record of what the upload told us."""

    def __init__(self, directory: Path, photos: PhotoPool | None = None) -> None:
        self.directory = directory
        self.photos = photos or PhotoPool()

    async def clean_photo(self, data: bytes) -> Photo:
        """An upload checked and cleaned of metadata in the photo pool (PhotoError when it is refused)."""
        return await self.photos.clean(data)

    def save_photo(self, photo: Photo) -> StoredMedia:
        """Keep a cleaned photo (idempotent: the same bytes give the same name)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{hashlib.sha256(photo.data).hexdigest()}.{EXTENSIONS[photo.mime]}"
        path = self.directory / name
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(photo.data)
            os.replace(tmp, path)
        meta = {"content_type": photo.mime, "gps": list(photo.gps) if photo.gps else None, "width": photo.width, "height": photo.height}
        (self.directory / f"{name}.json").write_text(json.dumps(meta), encoding="utf-8")
        return StoredMedia(name, photo.mime, photo.gps)

    def save_recording(self, data: bytes, content_type: str) -> StoredMedia:
        """Keep a caller's recording (WAV or MP3), named by content; served only to logged-in agents."""
        extension = RECORDING_EXTENSIONS.get(content_type)
        if extension is None:
            raise ValueError(f"not a recording type: {content_type}")
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{hashlib.sha256(data).hexdigest()}.{extension}"
        path = self.directory / name
        if not path.exists():
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        return StoredMedia(name, "audio/mpeg" if extension == "mp3" else "audio/wav", None)

    def path(self, name: str) -> Path:
        return self.directory / name

    def gps_of(self, name: str) -> tuple[float, float] | None:
        """The GPS point a stored upload carried, or None (unknown name included)."""
        meta = self.directory / f"{name}.json"
        if not meta.is_file():
            return None
        gps = json.loads(meta.read_text(encoding="utf-8")).get("gps")
        return (gps[0], gps[1]) if gps else None


def link_signature(secret: str, name: str, expires: int) -> str:
    return subject_token(secret, f"media:{name}:{expires}")


def signed_link(base_url: str, secret: str, name: str, expires: int) -> str:
    """The link a platform fetches a stored recording by, without any session, until `expires` (unix seconds)."""
    return f"{base_url.rstrip('/')}/media/{name}?expires={expires}&signature={link_signature(secret, name, expires)}"


def check_link(secret: str, name: str, query: Mapping[str, str], now: datetime | None = None) -> Literal["ok", "invalid", "expired"]:
    """Whether a signed link's `expires` and `signature` are ours for `name`, and still good."""
    expires, signature = query.get("expires", ""), query.get("signature", "")
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 12) or not subject_token_valid(secret, f"media:{name}:{expires}", signature):
        return "invalid"
    return "ok" if int(expires) > (now or utcnow()).timestamp() else "expired"


def recording_name(url: str) -> str | None:
    """The stored recording a media URL names (a console or /media/ link of ours), or None."""
    found = _RECORDING_PATHS.fullmatch(urlsplit(url).path)
    return found.group(1) if found else None


def platform_media(media: list[dict[str, str]], base_url: str, secret: str, valid_for: timedelta,
                   now: datetime | None = None) -> list[dict[str, str]]:
    """The media items as platforms get them: recordings as signed links good for `valid_for`, the rest unchanged."""
    expires = int(((now or utcnow()) + valid_for).timestamp())
    out = []
    for item in media:
        name = recording_name(item.get("url", ""))
        out.append(item | {"url": signed_link(base_url, secret, name, expires)} if name else item)
    return out


def has_recordings(media: list[dict[str, str]]) -> bool:
    return any(recording_name(item.get("url", "")) for item in media)
