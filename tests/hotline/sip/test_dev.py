"""`gateway dev` with SIP enabled starts `sip.workers` workers, each answering on its own port, and stops them all."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import free_port_block
from tests.hotline.sip.conftest import HOST, PEER, REPO, _needs_pjsua2

pytestmark = pytest.mark.slow


def wait_for(log: Path, pattern: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not re.search(pattern, log.read_text(errors="replace")):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{pattern!r} not printed:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def test_dev_starts_the_sip_workers(tmp_path: Path) -> None:
    _needs_pjsua2()
    base = free_port_block(300, low=26000)
    config = tmp_path / "gateway.yaml"
    config.write_text(yaml.safe_dump({"sip": {"enabled": True, "bind_address": HOST, "port": base, "rtp_port": base + 4, "workers": 2}}))
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "GATEWAY_DATABASE_URL")}
    env["GATEWAY_CONFIG"] = str(config)
    log = tmp_path / "dev.log"
    with log.open("w") as out:
        dev = subprocess.Popen([sys.executable, "-m", "gateway", "dev", "--port", str(base + 290), "--data-dir", str(tmp_path / "dev")],
                               cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        for index in (0, 1):
            wait_for(log, rf"SIP worker \S+:sip-{index} listening on {HOST}:{base + 2 * index}\b", dev)
        caller = subprocess.run([sys.executable, str(PEER), "call", "media", "sleep", "1", "hangup", "end", "--port", str(base + 250),
                                 "--rtp-port", str(base + 252), "--target", f"sip:12319@{HOST}:{base + 2}"],
                                cwd=REPO, capture_output=True, text=True, timeout=60)
        states = [json.loads(line) for line in caller.stdout.splitlines() if line.startswith("{")]
        assert any(e.get("state") == "CONFIRMED" for e in states), caller.stdout
    finally:
        dev.send_signal(signal.SIGINT)
        assert dev.wait(timeout=60) == 0, log.read_text(errors="replace")[-3000:]
