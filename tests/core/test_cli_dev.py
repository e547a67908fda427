"""`gateway dev`: one command brings up the store, an embedded Redis, the server and a worker."""
from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
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
    """The first 200 answer of `url` (a starting `gateway serve` says 503 while it builds its application, /healthz
    apart), or the last answer at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            resp = requests.get(url, timeout=2)
            if resp.status_code == 200 or time.monotonic() > deadline:
                return resp
        except (requests.ConnectionError, requests.Timeout):  # `gateway serve` is not started yet
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


class Terminal:
    """A pseudo-terminal that a command runs in as a user's shell would run it: the controlling terminal of a new session."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()

        def controlling_terminal() -> None:
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, cwd=REPO, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                                     preexec_fn=controlling_terminal)
        os.close(slave)
        self.output = b""

    def read_until(self, pattern: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, text := self.output.decode(errors="replace")):
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not shown:\n{text[-3000:]}")
            if select.select([self.master], [], [], 1)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # EIO: every process holding the terminal has exited
                    chunk = b""
                if not chunk and self.proc.poll() is not None:
                    raise AssertionError(f"{pattern!r} not shown before exit:\n{text[-3000:]}")
                self.output += chunk
        return text

    def ctrl_c(self) -> None:
        os.write(self.master, b"\x03")


def test_ctrl_c_on_make_run_stops_everything_quietly_and_exits_0(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "GATEWAY_DATABASE_URL", "GATEWAY_PUBLIC_BASE_URL")}
    env["GATEWAY_CONFIG"] = str(REPO / "config" / "gateway.yaml")
    makefile = tmp_path / "Makefile"  # the `run` recipe of the project's Makefile, without its set-up step
    makefile.write_text(f"run:\n\t{sys.executable} -m gateway dev --port {port} --data-dir {tmp_path / 'dev'}\n")
    terminal = Terminal(["make", "-f", str(makefile), "run"], env)
    try:
        terminal.read_until(r"Gateway running at")
        discovery = wait_http(f"http://127.0.0.1:{port}/open311/discovery.json").json()
        assert discovery["endpoints"][0]["url"] == f"http://127.0.0.1:{port}/open311/v2", "links name the port served"
        terminal.read_until(r"classifier loaded")
        terminal.ctrl_c()
        assert terminal.proc.wait(timeout=60) == 0
        text = terminal.read_until(r"\Z")
    finally:
        if terminal.proc.poll() is None:
            os.killpg(terminal.proc.pid, signal.SIGKILL)
        os.close(terminal.master)
    after = text[text.index("classifier loaded"):]
    for alarming in ("Interrupt", "Error", "Unclosed", "failed", "Traceback", "WARNING"):
        assert alarming not in after, after
