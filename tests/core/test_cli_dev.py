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
        except requests.ConnectionError:
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
