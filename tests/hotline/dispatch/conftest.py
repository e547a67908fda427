"""Two real SIP workers (`gateway sip --index 0/1`) behind Kamailio, rendered by deploy/kamailio/render.py, on loopback ports of their own."""
from __future__ import annotations

import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from deploy.kamailio.render import command, render
from tests.conftest import IN_CI
from tests.hotline.dispatch.callers import HOST, REPO, wait_answering

WORKERS = 2
BLOCK = 500
"""Ports a site takes from its base: the proxy, the workers' SIP ports, their RTP ranges, the callers' ports."""


def _needs_sip() -> None:
    """The tools these tests drive must be installed (scripts/system-packages.sh and the [sip] extra); CI fails without them."""
    missing = [tool for tool in ("kamailio", "sipp", "baresip") if shutil.which(tool) is None]
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        missing.append("the pjsua2 wheel")
    if missing:
        message = f"SIP dispatch tests need {', '.join(missing)}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _free_block() -> int:
    """A base port whose next BLOCK UDP ports are all free (below the kernel's ephemeral range)."""
    for _ in range(200):
        base = random.randrange(20000, 32000 - BLOCK, 2)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + BLOCK):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sockets.append(sock)
                sock.bind((HOST, port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free block of UDP ports")


def _stop(proc: subprocess.Popen[bytes], grace: float = 15) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Site:
    """Kamailio on `proxy_port` in front of WORKERS workers; worker n on base + 2 + 2n, its RTP from base + 100 + 100n."""

    def __init__(self, work: Path, database_url: str, redis_url: str) -> None:
        self.work, self.database_url, self.redis_url = work, database_url, redis_url
        self.base = _free_block()
        self.proxy_port = self.base
        self.config = work / "gateway.yaml"
        self.config.write_text(yaml.safe_dump({
            "database_url": database_url, "redis_url": redis_url, "log_level": "INFO", "media_dir": str(work / "media"),
            "sip": {"enabled": True, "bind_address": HOST, "port": self.base + 2, "rtp_port": self.base + 100, "workers": WORKERS},
        }))
        self.workers: dict[int, subprocess.Popen[bytes]] = {}
        self.kamailio: subprocess.Popen[bytes] | None = None
        self.kamailio_log = work / "kamailio.log"
        self._spare = itertools.count(self.base + 320, 8)

    def worker_port(self, index: int) -> int:
        return self.base + 2 + 2 * index

    def worker_name(self, index: int) -> str:
        """The name a worker records on its calls."""
        return f"{socket.gethostname()}:sip-{index}"

    def spare_port(self) -> int:
        """A port for one more caller (each gets 8 from the end of the block)."""
        port = next(self._spare)
        if port + 8 > self.base + BLOCK:
            raise RuntimeError("this site has no caller ports left")
        return port

    def start_worker(self, index: int) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "GATEWAY_DATABASE_URL", "GATEWAY_REDIS_URL")}
        env["GATEWAY_CONFIG"] = str(self.config)
        with (self.work / f"worker{index}.log").open("ab") as log:
            self.workers[index] = subprocess.Popen([sys.executable, "-m", "gateway", "sip", "--index", str(index)],
                                                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait_answering(self.worker_port(index))

    def kill_worker(self, index: int) -> None:
        """SIGKILL: the worker gets no chance to hang up or record anything."""
        proc = self.workers.pop(index)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def start_proxy(self) -> None:
        rundir = self.work / "kamailio-run"
        rundir.mkdir()
        config = render(self.work / "kamailio", (HOST, self.proxy_port), [(HOST, self.worker_port(i)) for i in range(WORKERS)])
        with self.kamailio_log.open("ab") as log:
            self.kamailio = subprocess.Popen(command(config, rundir), stdout=log, stderr=subprocess.STDOUT)
        wait_answering(self.proxy_port)

    def proxy_said(self, text: str) -> bool:
        return text in self.kamailio_log.read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.workers.values():
            _stop(proc)
        self.workers.clear()
        if self.kamailio is not None:
            _stop(self.kamailio)
            self.kamailio = None


@pytest.fixture
def site(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[Site]:
    """Both workers and the proxy running, on a migrated, empty database (SQLite and PostgreSQL)."""
    _needs_sip()
    running = Site(tmp_path, database_url, redis_url)
    try:
        for index in range(WORKERS):
            running.start_worker(index)
        running.start_proxy()
        yield running
    finally:
        running.stop()
