"""Bodies sent the way real servers send them: in pieces of PIECE_BYTES with a pause between them."""
from __future__ import annotations

import asyncio

from aiohttp import web

PIECE_BYTES = 16 * 1024
PIECE_PAUSE_SECONDS = 0.01


async def in_pieces(request: web.Request, data: bytes, content_type: str, *, status: int = 200,
                    declare_length: bool = True) -> web.StreamResponse:
    """`data` as the body, written PIECE_BYTES at a time with a pause after each piece; with `declare_length`
    false, sent chunked with no Content-Length, as servers do that do not know the size beforehand."""
    response = web.StreamResponse(status=status, headers={"Content-Type": content_type})
    if declare_length:
        response.content_length = len(data)
    else:
        response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(data), PIECE_BYTES):
        await response.write(data[start:start + PIECE_BYTES])
        await asyncio.sleep(PIECE_PAUSE_SECONDS)
    await response.write_eof()
    return response
