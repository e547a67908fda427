"""Redis under Sentinel as cities run it: a master, a replica and three sentinels, real processes on loopback ports."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from tests.conftest import free_port, redis_binary

SERVICE = "gateway-redis"
QUORUM = 2
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000
START_SECONDS = 60.0


def wait_until(check: object, what: str, seconds: float = START_SECONDS) -> None:
    """Poll `check()` (a callable) until it is truthy, Redis errors counting as not yet; fail naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.05)


class SentinelSite:
    """A master, its replica (--replicaof) and three sentinels (quorum 2) watching them as SERVICE."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.master_port, self.replica_port = free_port(), free_port()
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def sentinels(self) -> list[str]:
        return [f"127.0.0.1:{port}" for port in self.sentinel_ports]

    def client(self, port: int) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=5, socket_connect_timeout=5)

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = (self.directory / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=self.directory)
        log.close()

    def _data_node(self, name: str, port: int, *extra: str) -> None:
        node_dir = self.directory / name
        node_dir.mkdir()
        self._spawn(name, [redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                           "--dir", str(node_dir), *extra])

    def start(self) -> None:
        """Start everything and return once every sentinel knows the replica and the two other sentinels."""
        self._data_node("master", self.master_port)
        wait_until(lambda: self.client(self.master_port).ping(), "the master answers")
        self._data_node("replica", self.replica_port, "--replicaof", "127.0.0.1", str(self.master_port))
        wait_until(lambda: self.client(self.replica_port).info("replication").get("master_link_status") == "up", "the replica is in sync")
        for index, port in enumerate(self.sentinel_ports):
            conf = self.directory / f"sentinel-{index}.conf"  # a file of its own: a sentinel rewrites it with what it learns
            conf.write_text("\n".join([
                f"port {port}", "bind 127.0.0.1", f"dir {self.directory}",
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master_port} {QUORUM}",
                f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}",
                f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}",
                f"sentinel parallel-syncs {SERVICE} 1", "",
            ]), encoding="utf-8")
            self._spawn(f"sentinel-{index}", [redis_binary(), str(conf), "--sentinel"])
        for port in self.sentinel_ports:
            wait_until(lambda port=port: self._sees_everyone(port), f"sentinel on {port} sees the replica and the other sentinels")

    def _sees_everyone(self, port: int) -> bool:
        state = self.client(port).sentinel_master(SERVICE)
        return bool(state["num-slaves"] == 1 and state["num-other-sentinels"] == len(self.sentinel_ports) - 1
                    and not state["is_sdown"])

    def master_named(self) -> int | None:
        """The master's port as every sentinel names it, or None while they disagree."""
        ports = {int(self.client(port).sentinel_get_master_addr_by_name(SERVICE)[1]) for port in self.sentinel_ports}
        return ports.pop() if len(ports) == 1 else None

    def kill_master(self) -> None:
        """SIGKILL the master: no goodbye to its clients, its replica or the sentinels."""
        process = self.processes.pop("master")
        process.kill()
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            process.kill()
        for process in self.processes.values():
            process.wait()
        self.processes.clear()

    def log(self, name: str) -> str:
        return (self.directory / f"{name}.log").read_text(encoding="utf-8", errors="replace")
