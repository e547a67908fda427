"""deploy/kamailio/render.py writes a configuration Kamailio accepts, for the workers a site's settings place."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.kamailio.render import main, parse_address, render
from tests.hotline.dispatch.conftest import needs_sip


def test_rendered_configuration_passes_kamailio_check(tmp_path: Path) -> None:
    needs_sip()
    config = render(tmp_path, ("127.0.0.1", 25060), [("127.0.0.1", 25070), ("10.0.0.6", 5070)])
    check = subprocess.run(["kamailio", "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    assert "udp: 127.0.0.1 [127.0.0.1]:25060" in check.stdout + check.stderr
    listed = (tmp_path / "dispatcher.list").read_text().splitlines()[1:]
    assert listed == ["1 sip:127.0.0.1:25070 0 0 name=worker0", "1 sip:10.0.0.6:5070 0 0 name=worker1"]


def test_workers_come_from_the_settings_sip_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    settings = tmp_path / "gateway.yaml"
    settings.write_text(yaml.safe_dump({"sip": {"bind_address": "10.1.2.3", "port": 6070, "workers": 3}}))
    monkeypatch.setenv("GATEWAY_CONFIG", str(settings))
    assert main(["--out", str(tmp_path / "out"), "--listen", "0.0.0.0:5060"]) == 0
    listed = [line.split()[1] for line in (tmp_path / "out" / "dispatcher.list").read_text().splitlines()[1:]]
    assert listed == ["sip:10.1.2.3:6070", "sip:10.1.2.3:6072", "sip:10.1.2.3:6074"]
    assert "#!define LISTEN udp:0.0.0.0:5060" in (tmp_path / "out" / "kamailio.cfg").read_text()
    assert "kamailio -f" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["5060", "host:", ":5060", "host:port", "host:70000"])
def test_a_bad_address_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="host:port"):
        parse_address(text)
