"""`gateway dev`: one command brings up the store, an embedded Redis, the server and a worker."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def wait_for_line(proc: subprocess.Popen[str], pattern: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"{pattern!r} not printed; got {''.join(lines)}")


def wait_http(url: str, timeout: float = 60) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, timeout=2)
        except (requests.ConnectionError, requests.Timeout):  # `gateway serve` listens before its app answers
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_dev_starts_everything_and_prints_credentials_once(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "GATEWAY_DATABASE_URL")}
    env["GATEWAY_CONFIG"] = str(REPO / "config" / "gateway.yaml")

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway", "dev", "--port", str(port), "--data-dir", str(tmp_path)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )

    proc = start()
    try:
        lines = wait_for_line(proc, r"Gateway running at")
        output = "".join(lines)
        key = re.search(r"API key \(admin\): (\S+)", output)
        assert key and re.search(r"admin\s+login: admin / \S+", output)
        assert wait_http(f"http://127.0.0.1:{port}/healthz").status_code == 200
        ready = wait_http(f"http://127.0.0.1:{port}/readyz")
        assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
        resp = requests.post(
            f"http://127.0.0.1:{port}/api/v1/reports",
            json={"text": "小区门口的垃圾桶坏了", "class_id": "cp-0305"},
            headers={"Authorization": f"Bearer {key.group(1)}"},
            timeout=10,
        )
        assert resp.status_code == 201, resp.text
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    assert (tmp_path / "gateway.db").exists()

    second = start()
    try:
        output = "".join(wait_for_line(second, r"Gateway running at"))
        assert "API key" not in output, "credentials are printed on the first start only"
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=30)


def wait_in_file(log: Path, pattern: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """The log up to the first match of `pattern` (a file, not a pipe that the children could fill)."""
    deadline = time.monotonic() + timeout
    while not (found := re.search(pattern, text := log.read_text(errors="replace"))):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{pattern!r} not logged:\n{text[-3000:]}")
        time.sleep(0.1)
    return text[:found.end()]


def test_dev_restarts_a_child_that_dies_and_says_so(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "GATEWAY_DATABASE_URL")}
    env["GATEWAY_CONFIG"] = str(REPO / "config" / "gateway.yaml")
    log = tmp_path / "dev.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "dev", "--port", str(port), "--data-dir", str(tmp_path / "dev")],
                                cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        started = wait_in_file(log, r"Gateway running at", proc)
        first = re.search(r"started worker \(pid (\d+)\)", started)
        assert first, started
        os.kill(int(first.group(1)), signal.SIGKILL)
        restarted = wait_in_file(log, rf"stopped \(killed by SIGKILL\)[^\n]*\n(.*\n)*.*started worker \(pid (?!{first.group(1)}\))\d+\)", proc)
        assert re.search(rf"worker \(pid {first.group(1)}\) stopped \(killed by SIGKILL\) after \d+ s; restarting it in 1 s", restarted), restarted
        second = re.findall(r"started worker \(pid (\d+)\)", restarted)[-1]
        os.kill(int(second), 0)  # running
        assert wait_http(f"http://127.0.0.1:{port}/healthz").status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0, log.read_text(errors="replace")[-3000:]
