"""Several serving processes and workers on one PostgreSQL and one Redis: killing one of each under load loses no
accepted report."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
import yaml

from gateway.api.auth import new_api_key
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import SECRET, RedisServer, _truncate, eventually, free_port
from tests.support.receiver import Receiver

REPO = Path(__file__).resolve().parents[2]
REPORTS = 240


def children_of(pid: int) -> list[int]:
    """Pids of the living child processes of `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def gateway_env(tmp_path: Path, own_redis: RedisServer, receiver: Receiver) -> Callable[[str], dict[str, str]]:
    """database URL -> the environment of gateway processes on it, the test's Redis and the local platform."""

    def env(database_url: str) -> dict[str, str]:
        config = tmp_path / "gateway.yaml"
        config.write_text(yaml.safe_dump({
            "log_level": "WARNING", "media_dir": str(tmp_path / "media"),
            "platforms": [{"id": "city", "url": receiver.url, "secret": SECRET}],
            "delivery": {"backoff_base": 0.2, "backoff_max": 1.0, "sweep_interval": 0.3, "stale_claim_seconds": 2.0},
        }), encoding="utf-8")
        return os.environ | {"GATEWAY_CONFIG": str(config), "GATEWAY_DATABASE_URL": database_url, "REDIS_URL": own_redis.url}

    return env


@pytest.fixture
def processes() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*argv: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([sys.executable, "-m", "gateway", *argv], cwd=REPO, env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
    for proc in started:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def ready(base: str) -> bool:
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as resp:
            return resp.status == 200
    except aiohttp.ClientError:
        return False


def test_several_serving_processes_are_refused_on_sqlite(sqlite_url: str, gateway_env: Callable[[str], dict[str, str]]) -> None:
    done = subprocess.run([sys.executable, "-m", "gateway", "serve", "--processes", "2", "--port", str(free_port())], cwd=REPO,
                          env=gateway_env(sqlite_url), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "SQLite takes one writer at a time" in done.stderr


@pytest.mark.slow
@pytest.mark.postgres
async def test_killing_a_serving_process_and_a_worker_under_load_loses_no_accepted_report(
    migrated: Callable[[str], str], gateway_env: Callable[[str], dict[str, str]], processes: Callable[..., subprocess.Popen[bytes]],
    receiver: Receiver,
) -> None:
    database_url = migrated("postgresql")
    _truncate(database_url)
    env = gateway_env(database_url)
    store = Store(create_engine(database_url, pooled=False))
    key = new_api_key()
    await store.add_api_key("scale-out", key, "client")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = processes("serve", "--host", "127.0.0.1", "--port", str(port), "--processes", "2", env=env)
    workers = [processes("worker", env=env) for _ in range(2)]
    await eventually(lambda: ready(base), timeout=120)
    await eventually(lambda: len(children_of(serve.pid)) == 2, timeout=60)

    accepted: dict[str, int] = {}  # case number -> report number
    refused = 0

    async def post(session: aiohttp.ClientSession, n: int) -> None:
        nonlocal refused
        body = {"text": f"第{n}处路边垃圾没人清理", "class_id": "ev-2013-0110", "location": {"lat": 31.0 + n / 100, "lon": 120.5}}
        try:
            async with session.post(f"{base}/api/v1/reports", json=body, headers={"Authorization": f"Bearer {key}"}) as resp:
                if resp.status in (200, 201):
                    accepted[(await resp.json())["case_id"]] = n
                else:
                    refused += 1
        except aiohttp.ClientError:  # the connection of a killed process: not accepted, the client would send it again
            refused += 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=8, force_close=True)) as session:
        load = [asyncio.create_task(post(session, n)) for n in range(REPORTS)]
        await eventually(lambda: len(accepted) >= REPORTS // 4, timeout=120)
        os.kill(children_of(serve.pid)[0], signal.SIGKILL)
        workers[0].send_signal(signal.SIGKILL)
        await asyncio.gather(*load)
    assert len(accepted) >= REPORTS // 4 and len(accepted) + refused == REPORTS

    def delivered() -> set[str]:
        return {r.payload["case_number"] for r in receiver.accepted().values() if r.event == "case.created"}

    await eventually(lambda: set(accepted) <= delivered(), timeout=180)
    assert await eventually(lambda: ready(base), timeout=60), "the serving process left answers again"
    await store.close()
