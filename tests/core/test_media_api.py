"""POST /api/v1/media: bodies read whole however they arrive; photos decoded in the photo pool, within the pixel budget."""
from __future__ import annotations

import asyncio
import io
import random
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import gateway.media
from gateway.location.exif import Photo
from tests.conftest import eventually
from tests.core.conftest import Api, make_settings, start_api
from tests.support.receiver import Receiver

PIECE = 16 * 1024


def noise_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), random.Random(width * height).randbytes(width * height * 3)).save(out, format="PNG")
    return out.getvalue()


async def media_api(aiohttp_client: Any, sqlite_url: str, redis_url: str, receiver: Receiver, media_dir: Path, **intake: Any) -> Api:
    settings = make_settings(sqlite_url, redis_url, receiver.url)
    intake_settings = settings.intake.model_copy(update=intake)
    return await start_api(aiohttp_client, settings.model_copy(update={"intake": intake_settings, "media_dir": media_dir}))


@pytest.fixture
async def api(aiohttp_client: Any, sqlite_url: str, redis_url: str, receiver: Receiver, tmp_path: Path) -> AsyncIterator[Api]:
    api = await media_api(aiohttp_client, sqlite_url, redis_url, receiver, tmp_path / "media")
    yield api
    await api.store.close()


@pytest.fixture
async def small_budget(aiohttp_client: Any, sqlite_url: str, redis_url: str, receiver: Receiver, tmp_path: Path) -> AsyncIterator[Api]:
    api = await media_api(aiohttp_client, sqlite_url, redis_url, receiver, tmp_path / "media", max_photo_pixels=1000, photo_workers=1)
    yield api
    await api.store.close()


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




def big_png() -> bytes:
    """6000×6000 of one colour: about 100 KB that take seconds of CPU to decode and clean."""
    out = io.BytesIO()
    Image.new("RGB", (6000, 6000), (40, 160, 90)).save(out, format="PNG")
    return out.getvalue()


async def test_the_server_answers_while_a_big_photo_is_cleaned(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    started, release = threading.Event(), threading.Event()
    real = gateway.media.read_photo

    def held_read_photo(data: bytes, max_pixels: int) -> Photo:
        started.set()
        # On the event loop this wait would stall every request until it gave up: the upload then fails.
        if not release.wait(timeout=120):
            raise RuntimeError("the photo was never released")
        return real(data, max_pixels)

    monkeypatch.setattr(gateway.media, "read_photo", held_read_photo)
    upload = asyncio.create_task(api.client.post("/api/v1/media", data=big_png(), headers=api.auth() | {"Content-Type": "image/png"}))
    await eventually(started.is_set)
    health = await api.client.get("/healthz")
    assert health.status == 200 and not upload.done(), "the server answered while the photo was being cleaned"
    release.set()
    resp = await upload
    assert resp.status == 201, await resp.text()
    assert (await resp.json())["width"] == 6000


@pytest.mark.parametrize(("lang", "words"), [("zh", "图片像素过多（40×40，上限 1000 像素）"), ("en", "The image has too many pixels (40×40; the limit is 1000)")])
async def test_a_photo_past_the_pixel_budget_is_refused_in_the_callers_language(small_budget: Api, lang: str, words: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(out, format="PNG")
    resp = await small_budget.client.post("/api/v1/media", data=out.getvalue(), headers=small_budget.auth(lang=lang) | {"Content-Type": "image/png"})
    assert resp.status == 413
    error = (await resp.json())["error"]
    assert error["code"] == "image_too_large" and error["message"].startswith(words)
    assert resp.headers["Content-Language"] == lang
    assert not small_budget.settings.media_dir.exists() or not any(small_budget.settings.media_dir.glob("*.png"))
