"""A real SIP worker (`gateway sip`) on loopback ports of its own, PJSUA2 phones as callers and agents, tone prompts."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from redis.asyncio import Redis as AsyncRedis

from gateway.calls import CALL_EVENTS, CallEvent
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import IN_CI, free_port_block

REPO = Path(__file__).resolve().parents[3]
PEER = Path(__file__).with_name("peer.py")
HOST = "127.0.0.1"
ZH_HZ, EN_HZ, BEEP_HZ = 500, 700, 1000
"""Test prompts are tones: every Chinese prompt at ZH_HZ, every English one at EN_HZ; the beep stays the built-in one."""
CALLER = "13800000001"


def _needs_pjsua2() -> None:
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        if IN_CI:
            pytest.fail("the pjsua2 wheel is required under CI")
        pytest.skip("pjsua2 wheel not installed (SIP channel unavailable on this platform)")


@pytest.fixture(scope="session")
def tone_prompts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A city's own recordings (sip.prompts_dir) for tests: each prompt a 0.3 s tone, one pitch per language."""
    from channels.hotline.sip.prompts import Prompts

    directory = tmp_path_factory.mktemp("prompts")
    for language, hz in (("zh", ZH_HZ), ("en", EN_HZ)):
        (directory / language).mkdir()
        for name in Prompts.names():
            if name != "beep":
                subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(directory / language / f"{name}.wav"),
                                "synth", "0.3", "sine", str(hz), "gain", "-6"], check=True)
    return directory


def tone_wav(path: Path, hz: float, seconds: float) -> Path:
    """What a caller says in tests: a pure tone, 8 kHz mono 16-bit."""
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", str(seconds), "sine", str(hz), "gain", "-6"], check=True)
    return path


@dataclass
class PhoneRun:
    """A peer.py process and what it printed."""

    process: subprocess.Popen[str]
    log: Path

    def wait(self, timeout: float = 120) -> list[dict[str, Any]]:
        self.process.wait(timeout=timeout)
        return self.events()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]

    def codes(self) -> list[int]:
        return [e["code"] for e in self.events() if e.get("event") == "state"]


@dataclass
class SipWorker:
    """`gateway sip --index 0` with its own settings file, ports, database and Redis."""

    work: Path
    database_url: str
    redis_url: str
    prompts: Path
    sip: dict[str, Any] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    errors_expected: bool = False
    """A test that breaks something on purpose lets the worker log tracebacks (it must still never abort)."""

    def __post_init__(self) -> None:
        self.base = free_port_block(300, low=26000)
        self.port = self.base
        self.next_peer = self.base + 100
        self.media_dir = self.work / "media"
        self.config = self.work / "gateway.yaml"
        self.log = self.work / "worker.log"
        self.starts = 0

    def uri(self, line: str = "12319") -> str:
        return f"sip:{line}@{HOST}:{self.port}"

    def write_config(self) -> None:
        sip = {"enabled": True, "bind_address": HOST, "port": self.port, "rtp_port": self.base + 2, "prompts_dir": str(self.prompts),
               "service_hours": ["00:00-24:00"], "agent_answer_seconds": 4, "voicemail_silence_seconds": 4,
               "voicemail_max_seconds": 30, **self.sip}
        self.config.write_text(yaml.safe_dump({"database_url": self.database_url, "redis_url": self.redis_url, "log_level": "INFO",
                                                "media_dir": str(self.media_dir), "sip": sip}))

    def start(self) -> None:
        """Start (or restart) the process; returns once it listens."""
        self.starts += 1
        self.write_config()
        env = {**os.environ, "GATEWAY_CONFIG": str(self.config)}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "gateway", "sip", "--index", "0"], cwd=REPO, env=env,
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while self.log.read_bytes().count(b"listening on") < self.starts:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"SIP worker did not start:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the worker dies holding its calls."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> int:
        """SIGTERM and the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def peer_port(self) -> int:
        """SIP port for the next phone (RTP follows it), in this worker's block."""
        port, self.next_peer = self.next_peer, self.next_peer + 24
        return port

    def phone(self, mode: str, *steps: str, name: str, port: int | None = None, **options: Any) -> PhoneRun:
        """Start peer.py (`call` to a target, or `agent`) on ports of this worker's block."""
        port = port or self.peer_port()
        args = [sys.executable, str(PEER), mode, *steps, "--port", str(port), "--rtp-port", str(port + 2)]
        for key, value in options.items():
            flag = "--" + key.replace("_", "-")
            args += [flag] if value is True else [flag, str(value)]
        log = self.work / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(args, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, text=True)
        return PhoneRun(process, log)


@pytest.fixture
def sip_worker(tmp_path: Path, redis_url: str, tone_prompts: Path) -> Iterator[Any]:
    """Workers on a database: `worker = sip_worker(database_url, **sip_settings)`, then `worker.start()`;
    each is stopped at the end by SIGTERM and must exit 0 with no traceback and no abort."""
    _needs_pjsua2()
    workers: list[SipWorker] = []

    def start(database_url: str, **sip: Any) -> SipWorker:
        worker = SipWorker(tmp_path / f"w{len(workers)}", database_url, redis_url, tone_prompts, sip)
        worker.work.mkdir()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.process is None:
            continue
        code = worker.stop()
        text = worker.log.read_text(errors="replace")
        assert code == 0, f"worker exited with {code}:\n{text[-3000:]}"
        assert "Assertion" not in text and (worker.errors_expected or "Traceback" not in text), text[-3000:]


@pytest.fixture
async def store_of() -> AsyncIterator[Any]:
    stores: list[Store] = []

    def open_store(database_url: str) -> Store:
        store = Store(create_engine(database_url))
        stores.append(store)
        return store

    yield open_store
    for store in stores:
        await store.close()


class EventLog:
    """Every call event published on the real Redis while the test runs."""

    def __init__(self) -> None:
        self.events: list[CallEvent] = []

    async def listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                self.events.append(CallEvent.model_validate_json(message["data"]))

    def kinds(self, call_id: int | None = None) -> list[str]:
        return [e.kind for e in self.events if call_id is None or e.call_id == call_id]


@pytest.fixture
async def call_event_log(redis_url: str) -> AsyncIterator[EventLog]:
    client = AsyncRedis.from_url(redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(CALL_EVENTS)
    log = EventLog()
    task = asyncio.create_task(log.listen(pubsub))
    yield log
    task.cancel()
    await pubsub.aclose()
    await client.aclose()
