"""A site as a city runs it: SIP workers (`gateway sip --index N`) behind Kamailio rendered by deploy/kamailio/render.py, on loopback ports of their own."""
from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from deploy.kamailio.render import command, render
from tests.conftest import free_port_block
from tests.hotline.dispatch.callers import HOST, REPO, wait_answering

CALLER_PORTS = 500
"""Ports of a site's base block: the proxy, the workers' SIP ports (base + 2 + 2n), then callers' ports up to here;
the workers' RTP ranges (100 each) follow."""


def _stop(proc: subprocess.Popen[bytes], grace: float = 15) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Site:
    """Kamailio on `proxy_port` in front of `count` workers; worker n on base + 2 + 2n, its RTP from base + CALLER_PORTS + 100n."""

    def __init__(self, work: Path, database_url: str, redis_url: str, count: int, log_level: str = "INFO") -> None:
        self.work, self.database_url, self.redis_url, self.count = work, database_url, redis_url, count
        self.base = free_port_block(CALLER_PORTS + 100 * count, high=26000)
        self.proxy_port = self.base
        self.config = work / "gateway.yaml"
        self.config.write_text(yaml.safe_dump({
            "database_url": database_url, "redis_url": redis_url, "log_level": log_level, "media_dir": str(work / "media"),
            "sip": {"enabled": True, "bind_address": HOST, "port": self.base + 2, "rtp_port": self.base + CALLER_PORTS, "workers": count},
        }))
        self.workers: dict[int, subprocess.Popen[bytes]] = {}
        self.kamailio: subprocess.Popen[bytes] | None = None
        self.kamailio_log = work / "kamailio.log"
        self._spare = itertools.count(self.base + 2 + 2 * count, 8)

    def worker_port(self, index: int) -> int:
        return self.base + 2 + 2 * index

    def worker_name(self, index: int) -> str:
        """The name a worker records on its calls."""
        return f"{socket.gethostname()}:sip-{index}"

    def spare_port(self) -> int:
        """A port for one more caller (it may use 8 from there)."""
        port = next(self._spare)
        if port + 8 > self.base + CALLER_PORTS:
            raise RuntimeError("this site has no caller ports left")
        return port

    def start_workers(self, *indexes: int) -> None:
        """Start these workers (all when none is named) and wait until each answers OPTIONS."""
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "GATEWAY_DATABASE_URL", "GATEWAY_REDIS_URL")}
        env["GATEWAY_CONFIG"] = str(self.config)
        for index in indexes or range(self.count):
            with (self.work / f"worker{index}.log").open("ab") as log:
                self.workers[index] = subprocess.Popen([sys.executable, "-m", "gateway", "sip", "--index", str(index)],
                                                       cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        for index in indexes or range(self.count):
            try:
                wait_answering(self.worker_port(index))
            except AssertionError as error:
                raise AssertionError(f"{error}; worker {index} said:\n{self.log_tail(f'worker{index}.log')}") from None

    def kill_worker(self, index: int) -> None:
        """SIGKILL: the worker gets no chance to hang up or record anything."""
        proc = self.workers.pop(index)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def start_proxy(self) -> None:
        rundir = self.work / "kamailio-run"
        rundir.mkdir()
        config = render(self.work / "kamailio", (HOST, self.proxy_port), [(HOST, self.worker_port(i)) for i in range(self.count)])
        with self.kamailio_log.open("ab") as log:
            self.kamailio = subprocess.Popen(command(config, rundir), stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_answering(self.proxy_port)
        except AssertionError as error:
            raise AssertionError(f"{error}; Kamailio said:\n{self.log_tail('kamailio.log')}") from None

    def log_tail(self, name: str, size: int = 3000) -> str:
        return (self.work / name).read_text(errors="replace")[-size:]

    def proxy_said(self, text: str) -> bool:
        return text in self.kamailio_log.read_text(errors="replace")

    def pids(self) -> list[int]:
        """The workers' processes."""
        return [proc.pid for proc in self.workers.values()]

    def stop(self) -> None:
        for proc in self.workers.values():
            _stop(proc)
        self.workers.clear()
        if self.kamailio is not None:
            _stop(self.kamailio)
            self.kamailio = None
