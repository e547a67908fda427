"""POST /api/v1/media: bodies read whole however they arrive."""
from __future__ import annotations

import asyncio
import io
import random
from collections.abc import AsyncIterator

from PIL import Image

from tests.core.conftest import Api

PIECE = 16 * 1024


def noise_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), random.Random(width * height).randbytes(width * height * 3)).save(out, format="PNG")
    return out.getvalue()


async def in_pieces(data: bytes) -> AsyncIterator[bytes]:
    """An upload body sent chunked, 16 KB at a time with pauses, as a phone on a slow network sends it."""
    for start in range(0, len(data), PIECE):
        yield data[start:start + PIECE]
        await asyncio.sleep(0.01)


async def test_a_photo_uploaded_in_pieces_is_read_whole(api: Api) -> None:
    png = noise_png(300, 200)
    assert len(png) > 8 * PIECE
    resp = await api.client.post("/api/v1/media", data=in_pieces(png), headers=api.auth() | {"Content-Type": "image/png"})
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["width"] == 300


async def test_a_report_sent_in_pieces_is_read_whole(api: Api) -> None:
    body = ('{"text": "人民路上的井盖不见了", "class_id": "cp-0102"' + " " * 40_000 + "}").encode()  # JSON may carry whitespace
    headers = api.auth() | {"Content-Type": "application/json"}
    resp = await api.client.post("/api/v1/reports", data=in_pieces(body), headers=headers)
    assert resp.status == 201, await resp.text()
