"""Intake benchmark: POST /api/v1/reports beside an aiohttp hello-world measured in the same run,
with SQLite and PostgreSQL, one `gateway serve` process and (PostgreSQL) several (deliveries: bench/deliver.py).

    .venv/bin/python bench/intake.py [--seconds 5] [--clients 50 200] [--rates 100 200 300 400 500] [--processes 1 2]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, LoadResult, child, closed_loop, open_loop, database, free_port, python, redis_server  # noqa: E402

SECRET = "bench-platform-secret-0123456789"
COMPLAINTS = REPO / "classifier" / "data" / "test" / "test.tsv"


def complaints() -> list[str]:
    """Varied real-looking complaints: the classifier's held-out set (read here only as load, never for tuning)."""
    lines = [line.split("\t", 1)[1].strip() for line in COMPLAINTS.read_text(encoding="utf-8").splitlines() if "\t" in line and not line.startswith("#")]
    return lines[1:]


TEXTS = complaints()


def body(n: int) -> dict[str, object]:
    """Report n: a complaint somewhere in a 20 km square (GCJ-02, as a map app would send it)."""
    rnd = random.Random(n)
    return {"text": TEXTS[n % len(TEXTS)], "channel": "api", "location": {"lat": 31.2 + rnd.random() * 0.18, "lon": 120.5 + rnd.random() * 0.21, "crs": "gcj02"}}


def row(name: str, result: LoadResult, ceiling: LoadResult | None) -> str:
    ratio = f"{result.rate / ceiling.rate:.2f}" if ceiling else "1.00"
    return f"| {name} | {result.rate:,.0f} | {ratio} | {result.p50:.1f} | {result.p99:.1f} | {result.errors} |"


async def hello_world(clients: int, seconds: float) -> LoadResult:
    port = free_port()
    with child([python(), "bench/hello.py", str(port)], port=port):
        return await closed_loop(f"http://127.0.0.1:{port}/hello", body, {}, clients, seconds)


async def classifiers_loaded(readyz: str, processes: int) -> None:
    """Until every serving process says its classifier is in (it loads in the background after start-up, and a loading
    classifier is a start-up cost, not intake's): each new connection may reach another process."""
    import aiohttp

    answers = 0
    while answers < 10 * processes:
        async with aiohttp.ClientSession() as session, session.get(readyz) as resp:
            answers = answers + 1 if (await resp.json()).get("classifier") == "ready" else 0
        await asyncio.sleep(0.05)


def gateway_env(work: Path, database_url: str, redis_url: str, receiver_port: int) -> dict[str, str]:
    config = work / "gateway.yaml"
    config.write_text(
        yaml.safe_dump({"log_level": "WARNING", "platforms": [{"id": "bench", "url": f"http://127.0.0.1:{receiver_port}/cases", "secret": SECRET}]}),
        encoding="utf-8",
    )
    return {"GATEWAY_CONFIG": str(config), "GATEWAY_DATABASE_URL": database_url, "REDIS_URL": redis_url}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--rates", type=float, nargs="+", default=[100.0, 200.0, 300.0, 400.0, 500.0], help="open-loop offered loads")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="serving processes (more than one: PostgreSQL only)")
    args = parser.parse_args()
    lines = ["| endpoint | req/s | ratio to hello-world | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|"]
    scaling = [f"| serving processes (PostgreSQL) | req/s, {args.clients[0]} clients | ratio to 1 process | gain per added process |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ceilings = {c: await hello_world(c, args.seconds) for c in args.clients}
        for c, result in ceilings.items():
            lines.append(row(f"hello-world, {c} clients", result, None))
        for backend in args.backends:
            with redis_server(work) as redis_url, database(backend, work) as database_url:
                receiver_port, port = free_port(), free_port()
                env = gateway_env(work, database_url, redis_url, receiver_port)
                key = subprocess.run([python(), "-m", "gateway", "apikey", "create", "--name", "bench"], env=os.environ | env, capture_output=True, text=True, check=True).stdout.strip()
                auth = {"Authorization": f"Bearer {key}"}
                single: LoadResult | None = None
                for processes in [1] if backend == "sqlite" else args.processes:
                    serve = [python(), "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(port), "--processes", str(processes)]
                    with child(serve, env=env, port=port):
                        url, name = f"http://127.0.0.1:{port}/api/v1/reports", f"POST /api/v1/reports, {backend}" + (f", {processes} processes" if processes > 1 else "")
                        await classifiers_loaded(f"http://127.0.0.1:{port}/readyz", processes)
                        warmup = 1.0
                        for c in args.clients:
                            result = await closed_loop(url, body, auth, c, args.seconds, warmup=warmup)
                            lines.append(row(f"{name}, {c} clients", result, ceilings[c]))
                            if c == args.clients[0] and backend != "sqlite":
                                single = single or result
                                gain = (result.rate / single.rate - 1) / (processes - 1) if processes > 1 else 0.0
                                scaling.append(f"| {processes} | {result.rate:,.0f} | {result.rate / single.rate:.2f} | "
                                               + (f"+{gain:.2f}" if processes > 1 else "-") + " |")
                        for rate in args.rates:
                            result = await open_loop(url, body, auth, rate, args.seconds)
                            lines.append(row(f"{name}, {rate:.0f} reports/s offered", result, None).replace("| 1.00 |", "| - |"))
    print("\n".join(lines))
    print()
    print("\n".join(scaling))


if __name__ == "__main__":
    asyncio.run(main())
