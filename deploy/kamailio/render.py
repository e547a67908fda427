"""Render the dispatcher for a site's SIP workers: kamailio.cfg with its listen address and list file set, and dispatcher.list.

    python deploy/kamailio/render.py --out /etc/kamailio --listen 0.0.0.0:5060            # workers from GATEWAY_CONFIG's sip block
    python deploy/kamailio/render.py --out DIR --listen 127.0.0.1:5060 --worker 10.0.0.5:5070 --worker 10.0.0.6:5070
"""
from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "kamailio.cfg"
WORKER_SET = 1
HEADER = "#!KAMAILIO\n"

Address = tuple[str, int]


def parse_address(text: str) -> Address:
    """`host:port` → (host, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"not host:port: {text!r}")
    return host, int(port)


def dispatcher_list(workers: Sequence[Address]) -> str:
    """The destination set of the workers, in the order round robin takes them."""
    if not workers:
        raise ValueError("at least one worker is needed")
    lines = ["# set destination flags priority attributes (written by deploy/kamailio/render.py)"]
    lines += [f"{WORKER_SET} sip:{host}:{port} 0 0 name=worker{index}" for index, (host, port) in enumerate(workers)]
    return "\n".join(lines) + "\n"


def render(out: Path, listen: Address, workers: Sequence[Address]) -> Path:
    """Write `out/kamailio.cfg` and `out/dispatcher.list`; the path of the configuration."""
    template = TEMPLATE.read_text(encoding="utf-8")
    if not template.startswith(HEADER):
        raise ValueError(f"{TEMPLATE} does not start with {HEADER.strip()}")
    out.mkdir(parents=True, exist_ok=True)
    listed = out / "dispatcher.list"
    listed.write_text(dispatcher_list(workers), encoding="utf-8")
    host, port = listen
    defines = f'#!define LISTEN udp:{host}:{port}\n#!define DISPATCHER_LIST "{listed.resolve()}"\n'
    config = out / "kamailio.cfg"
    config.write_text(HEADER + defines + template[len(HEADER):], encoding="utf-8")
    return config


def command(config: Path, rundir: Path) -> list[str]:
    """Kamailio in the foreground, logging to stderr, its runtime files in `rundir`."""
    return ["kamailio", "-f", str(config), "-DD", "-E", "-m", "64", "-M", "8", "-Y", str(rundir), "-P", str(rundir / "kamailio.pid")]


def workers_from_settings(count: int | None = None) -> list[Address]:
    """Workers as `gateway sip --index N` places them: the sip block's address, port + 2N."""
    from gateway.settings import load_settings

    sip = load_settings().sip
    host = sip.public_address or sip.bind_address
    return [(host, sip.port + 2 * index) for index in range(count or sip.workers)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to write kamailio.cfg and dispatcher.list into")
    parser.add_argument("--listen", type=parse_address, default=("0.0.0.0", 5060), help="address Kamailio listens on (host:port)")
    parser.add_argument("--worker", type=parse_address, action="append", help="a worker's host:port (repeat); default: from the settings")
    parser.add_argument("--workers", type=int, help="how many workers the settings' sip block places (default: sip.workers)")
    args = parser.parse_args(argv)
    config = render(args.out, args.listen, args.worker or workers_from_settings(args.workers))
    print(f"wrote {config} and {args.out / 'dispatcher.list'}; run in the foreground with:")
    print(" ".join(shlex.quote(part) for part in command(config, Path("/run/kamailio"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
