"""A photo sent in the chat: fetched from Telegram, cleaned of metadata, stored like any upload."""
from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

import aiohttp
from telegram import Bot, PhotoSize

from gateway.bodies import BodyTooLarge, read_response
from gateway.media import MediaStore

DOWNLOAD_SECONDS = 60.0


class PhotoTooLarge(ValueError):
    """Telegram announces, or sends, a file larger than the gateway accepts."""


class PhotoUnavailable(RuntimeError):
    """The file could not be fetched from Telegram."""


async def download(url: str, max_bytes: int) -> bytes:
    """The file at a Bot API file URL, read to its end under `max_bytes` (Telegram does not always tell the size)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PhotoUnavailable(f"not a download URL: {parts.scheme or 'no scheme'}")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=DOWNLOAD_SECONDS)) as session:
            async with session.get(urlunsplit(parts._replace(path=quote(parts.path)))) as resp:
                if resp.status != 200:
                    raise PhotoUnavailable(f"download refused (HTTP {resp.status})")
                return await read_response(resp, max_bytes)
    except BodyTooLarge as exc:
        raise PhotoTooLarge(f"more than {max_bytes} bytes") from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise PhotoUnavailable(f"download failed: {type(exc).__name__}: {exc}") from exc


async def fetch_photo(bot: Bot, sizes: tuple[PhotoSize, ...], media: MediaStore, public_base_url: str, max_bytes: int) -> dict[str, str]:
    """Download the largest size, clean it, keep it; the `media` item of a report. Raises PhotoError on a bad image."""
    largest = max(sizes, key=lambda s: s.width * s.height)
    if largest.file_size is not None and largest.file_size > max_bytes:
        raise PhotoTooLarge(largest.file_id)
    file = await bot.get_file(largest.file_id)
    if file.file_size is not None and file.file_size > max_bytes:
        raise PhotoTooLarge(largest.file_id)
    if not file.file_path:
        raise PhotoUnavailable(f"Telegram gave no file path for {largest.file_id}")
    data = await download(file.file_path, max_bytes)
    photo = await media.clean_photo(data)
    stored = media.save_photo(photo)
    return {"url": f"{public_base_url.rstrip('/')}/media/{stored.name}", "content_type": stored.content_type}
