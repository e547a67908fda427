"""A photo sent in the chat: fetched from Telegram, cleaned of metadata, stored like any upload."""
from __future__ import annotations

import asyncio

from telegram import Bot, PhotoSize

from gateway.location.exif import read_photo
from gateway.media import MediaStore


class PhotoTooLarge(ValueError):
    """Telegram announces a file larger than the gateway accepts."""


async def fetch_photo(bot: Bot, sizes: tuple[PhotoSize, ...], media: MediaStore, public_base_url: str, max_bytes: int) -> dict[str, str]:
    """Download the largest size, clean it, keep it; the `media` item of a report. Raises PhotoError on a bad image."""
    largest = max(sizes, key=lambda s: s.width * s.height)
    if largest.file_size is not None and largest.file_size > max_bytes:
        raise PhotoTooLarge(largest.file_id)
    file = await bot.get_file(largest.file_id)
    data = bytes(await file.download_as_bytearray())
    if len(data) > max_bytes:
        raise PhotoTooLarge(largest.file_id)
    photo = await asyncio.to_thread(read_photo, data)
    stored = media.save_photo(photo)
    return {"url": f"{public_base_url.rstrip('/')}/media/{stored.name}", "content_type": stored.content_type}
