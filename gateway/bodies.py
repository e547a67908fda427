"""HTTP bodies read whole, under a size limit: the one way the gateway reads what a peer sends.

`StreamReader.read(n)` in aiohttp returns what has arrived so far (at most n bytes), not n bytes: a body
that comes in pieces, as bodies from real servers do, would be cut short. These helpers read to the end of
the body, refusing it as soon as it grows past the limit (or when it declares a larger length).
"""
from __future__ import annotations

import codecs

import aiohttp

CHUNK_BYTES = 64 * 1024


class BodyTooLarge(ValueError):
    """A body longer than the limit it was read under."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body larger than {limit} bytes")
        self.limit = limit


async def read_whole(stream: aiohttp.StreamReader, limit: int, declared: int | None = None) -> bytes:
    """Every byte of `stream` up to its end; BodyTooLarge when `declared` (Content-Length) or the bytes read exceed `limit`."""
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in stream.iter_chunked(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_response(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body of a client response, under `limit` bytes."""
    return await read_whole(resp.content, limit, resp.content_length)


async def response_text(resp: aiohttp.ClientResponse, limit: int) -> str:
    """The whole body of a client response as text (its declared charset, else UTF-8; undecodable bytes replaced)."""
    data = await read_response(resp, limit)
    try:
        encoding = codecs.lookup(resp.charset).name if resp.charset else "utf-8"
    except LookupError:
        encoding = "utf-8"
    return data.decode(encoding, errors="replace")
