"""Bodies are read to their end, under their limit, however the peer sends them."""
from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from gateway.bodies import BodyTooLarge, read_response, response_text
from tests.support.pieces import in_pieces
from tests.support.serving import serving

BODY = bytes(range(256)) * 400  # 100 KB


async def body_in_pieces(request: web.Request) -> web.StreamResponse:
    """BODY in 16 KB pieces with pauses; chunked (no length) unless ?declared."""
    return await in_pieces(request, BODY, "application/octet-stream", declare_length="declared" in request.query)


async def text(_: web.Request) -> web.Response:
    return web.Response(body="收到".encode("gb18030"), content_type="text/plain", charset="gb18030")


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/body", body_in_pieces)
    app.router.add_get("/text", text)
    async with serving(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("query", ["", "?declared"])
async def test_a_body_sent_in_pieces_is_read_whole(server: str, query: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(server + "/body" + query) as resp:
        assert await read_response(resp, len(BODY)) == BODY


async def test_a_body_growing_past_the_limit_is_refused(server: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(server + "/body") as resp:
        with pytest.raises(BodyTooLarge):
            await read_response(resp, len(BODY) - 1)


async def test_a_declared_length_past_the_limit_is_refused_before_reading(server: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(server + "/body?declared") as resp:
        with pytest.raises(BodyTooLarge):
            await read_response(resp, len(BODY) - 1)
        assert not resp.content.at_eof(), "nothing was read"


async def test_text_is_decoded_in_its_declared_charset(server: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(server + "/text") as resp:
        assert await response_text(resp, 100) == "收到"
