"""A starting `gateway serve` answers /healthz at once, says why it is not ready, and refuses reports with 503 and
Retry-After in the client's language until its application is built; then it takes them."""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web

from gateway.api.auth import new_api_key
from gateway.app import build_app
from gateway.appkeys import STORE
from gateway.boot import serve
from gateway.location import Locator
from gateway.store.engine import create_engine
from gateway.store.store import CaseFilter, Store
from tests.conftest import eventually, free_port
from tests.core.conftest import make_settings
from tests.core.test_full_pipeline import locator  # noqa: F401  (session fixture)
from tests.support.receiver import Receiver

REPO = Path(__file__).resolve().parents[2]
REPORT = {"text": "人民路和解放路路口的污水井盖不见了", "class_id": "cp-0102", "location": {"lat": 31.3126, "lon": 120.6104}}


class Gate:
    """A build that waits at the locator step until the test lets it go on (or gives up, so no test hangs on it)."""

    def __init__(self, app: Callable[[], web.Application]) -> None:
        self.app = app
        self.release = threading.Event()
        self.waiting = threading.Event()
        self.built: web.Application | None = None

    def __call__(self, step: Callable[[str], None]) -> web.Application:
        step("locator")
        self.waiting.set()
        if not self.release.wait(timeout=120):
            raise RuntimeError("the test never let the application be built")
        self.built = self.app()
        return self.built


@dataclass
class Starting:
    base: str
    gate: Gate
    stopping: asyncio.Event
    serving: asyncio.Task[None]
    store: Store
    key: str


@pytest.fixture
async def starting(tmp_path: Path, database_url: str, redis_url: str, receiver: Receiver,
                   locator: Locator) -> AsyncIterator[Starting]:  # noqa: F811
    settings = make_settings(database_url, redis_url, receiver.url).model_copy(update={"media_dir": tmp_path / "media"})
    store = Store(create_engine(database_url))
    key = new_api_key()
    await store.add_api_key("boot", key, "client")
    gate = Gate(lambda: build_app(settings, locator=locator, sweeper=False))
    sock = socket.create_server(("127.0.0.1", 0))
    stopping = asyncio.Event()
    serving = asyncio.create_task(serve(sock, gate, stopping))
    await eventually(gate.waiting.is_set)
    yield Starting(f"http://127.0.0.1:{sock.getsockname()[1]}", gate, stopping, serving, store, key)
    gate.release.set()
    stopping.set()
    await serving
    sock.close()
    await store.close()


async def get(url: str, **headers: str) -> tuple[int, dict[str, str], Any]:
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as resp:
        body = await resp.json() if resp.content_type == "application/json" else await resp.text()
        return resp.status, dict(resp.headers), body


async def post_report(start: Starting, lang: str) -> tuple[int, dict[str, str], Any]:
    headers = {"Authorization": f"Bearer {start.key}", "Accept-Language": lang}
    async with aiohttp.ClientSession() as http, http.post(f"{start.base}/api/v1/reports", json=REPORT, headers=headers) as resp:
        return resp.status, dict(resp.headers), await resp.json()


async def cases(store: Store) -> int:
    return (await store.cases(CaseFilter()))[1]


async def test_healthz_answers_while_the_app_loads_and_readyz_says_why_it_is_not_ready_until_it_is(starting: Starting) -> None:
    status, _, body = await get(f"{starting.base}/healthz")
    assert (status, body) == (200, {"status": "ok"})
    status, headers, body = await get(f"{starting.base}/readyz")
    assert status == 503 and body == {"ready": False, "reason": "starting", "step": "locator"} and headers["Retry-After"] == "2"
    assert starting.gate.built is None, "all this while the application is still being built"

    starting.gate.release.set()
    ready = await eventually(lambda: _ready(starting.base))
    assert ready["checks"] == {"database": "ok", "redis": "ok"} and "reason" not in ready
    assert (await get(f"{starting.base}/healthz"))[0] == 200


async def test_a_report_before_readiness_is_refused_with_retry_after_in_the_clients_language_and_kept_nowhere(starting: Starting) -> None:
    for lang, words in (("zh-CN,zh;q=0.9", "服务正在启动"), ("en-GB,en;q=0.8", "The service is starting")):
        status, headers, body = await post_report(starting, lang)
        assert status == 503 and headers["Retry-After"] == "2", body
        assert body["error"]["code"] == "starting" and words in body["error"]["message"], body
        assert headers["Content-Language"] == lang[:2]
    status, headers, page = await get(f"{starting.base}/", Accept="text/html,application/xhtml+xml", **{"Accept-Language": "zh"})
    assert status == 503 and headers["Retry-After"] == "2" and '<html lang="zh">' in page and "服务正在启动" in page
    assert await cases(starting.store) == 0, "nothing refused is stored"

    starting.gate.release.set()
    await eventually(lambda: _ready(starting.base))
    status, _, body = await post_report(starting, "en")
    assert status == 201, body
    assert await cases(starting.store) == 1


async def test_a_process_told_to_stop_while_it_starts_stops_without_serving(starting: Starting) -> None:
    assert (await get(f"{starting.base}/healthz"))[0] == 200
    starting.stopping.set()
    starting.gate.release.set()
    await starting.serving
    assert starting.gate.built is not None and STORE not in starting.gate.built, "built, but its resources were never opened"


def test_gateway_serve_with_bad_settings_exits_with_the_reason(tmp_path: Path) -> None:
    """The stand-in does not outlive a process that cannot build its application."""
    config = tmp_path / "gateway.yaml"
    config.write_text(yaml.safe_dump({"intake": {"photo_workers": 0}}), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(free_port())], cwd=REPO,
                          env=os.environ | {"GATEWAY_CONFIG": str(config)}, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "photo_workers" in done.stderr, done.stderr[-2000:]


async def _ready(base: str) -> Any:
    status, _, body = await get(f"{base}/readyz")
    return body if status == 200 else None
