"""Where a report's milliseconds go: `gateway serve` under load, sampled from outside by py-spy.

    .venv/bin/python bench/profile_intake.py [--backend sqlite|postgresql] [--seconds 5] [--clients 50] [--top 25]

Prints the serving process's CPU milliseconds per accepted report (from /proc, without the sampler's own cost),
then those milliseconds split by where the samples were: by the library the sampled frame runs in, and by the
step of the gateway that called it (the innermost frame of the gateway's own code), and the busiest frames.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, child, closed_loop, database, free_port, python, redis_server  # noqa: E402
from bench.intake import body, classifiers_loaded, gateway_env  # noqa: E402

# Where a frame's time is counted: the first fragment of its file's path that matches, in this order.
AREAS = (
    ("sqlalchemy", "SQLAlchemy"), ("asyncpg", "asyncpg"), ("aiosqlite", "aiosqlite"), ("sqlite3", "sqlite3"),
    ("/rq/", "rq"), ("/redis/", "redis client"), ("aiohttp", "aiohttp"), ("multidict", "aiohttp"), ("yarl", "aiohttp"),
    ("pydantic", "pydantic"), ("/classifier/", "classifier"), ("rjieba", "classifier"), ("jieba", "classifier"),
    ("numpy", "classifier"), ("/gateway/location/", "location"), ("shapely", "location"), ("/gateway/", "gateway (own code)"),
    ("/channels/", "gateway (own code)"), ("json", "json"), ("logging", "logging"), ("prometheus", "metrics"),
    ("greenlet", "SQLAlchemy"), ("asyncio", "asyncio"), ("selectors", "asyncio"), ("socket", "asyncio"), ("threading", "threads"),
)
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
OWN = re.compile(r"(^|/)(gateway|channels|classifier)/")


def area(file: str) -> str:
    path = "/" + file  # py-spy names files of the working directory relatively
    return next((name for fragment, name in AREAS if fragment in path), "other")


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def samples(raw: Path) -> list[tuple[list[tuple[str, str]], int]]:
    """py-spy's raw output: each stack (outermost first) as (function, file) frames, with its sample count."""
    out = []
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = []
        for text in stack.split(";"):
            match = FRAME.match(text.strip())
            frames.append((match["function"], match["file"]) if match else (text.strip(), ""))
        if frames and count.isdigit():
            out.append((frames, int(count)))
    return out


def step(frames: list[tuple[str, str]]) -> str:
    """The innermost frame of the gateway's own code: the step the time is spent for."""
    own = [f for f in frames if OWN.search(f[1])]
    if not own:
        return "(outside the gateway: event loop, server, threads)"
    function, file = own[-1]
    return f"{function} ({'/'.join(file.split('/')[-2:])})"


def table(title: str, counts: Counter[str], total: int, ms_per_sample: float, top: int) -> list[str]:
    lines = [f"| {title} | ms per report | share |", "|---|---|---|"]
    for name, n in counts.most_common(top):
        lines.append(f"| {name} | {n * ms_per_sample:.3f} | {n / total:.0%} |")
    return lines


async def load_and_sample(pid: int, url: str, key: str, clients: int, seconds: float, raw: Path) -> tuple[int, float, str]:
    """Warm up, then load for `seconds` while py-spy samples: (accepted, CPU seconds of the server, summary)."""
    auth = {"Authorization": f"Bearer {key}"}
    await classifiers_loaded(url.replace("/api/v1/reports", "/readyz"), 1)  # its loading is a start-up cost, not intake's
    await closed_loop(url, body, auth, clients, 1.0, warmup=0.0)
    spy = await asyncio.create_subprocess_exec(str(Path(python()).with_name("py-spy")), "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--nonblocking",
                                               "--threads", "--duration", str(int(seconds + 1)), "--output", str(raw),
                                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    await asyncio.sleep(0.5)  # py-spy attaches
    before = cpu_seconds(pid)
    result = await closed_loop(url, body, auth, clients, seconds, warmup=0.0)
    cpu = cpu_seconds(pid) - before
    await spy.wait()
    summary = f"{result.rate:,.0f} reports/s, p50 {result.p50:.1f} ms, p99 {result.p99:.1f} ms, {result.errors} errors"
    return result.requests, cpu, summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with redis_server(work) as redis_url, database(args.backend, work) as database_url:
            port = free_port()
            env = gateway_env(work, database_url, redis_url, free_port())
            key = subprocess.run([python(), "-m", "gateway", "apikey", "create", "--name", "profile"], env=os.environ | env,
                                 capture_output=True, text=True, check=True).stdout.strip()
            with child([python(), "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, port=port) as server:
                raw = work / "profile.txt"
                accepted, cpu, summary = asyncio.run(load_and_sample(server.pid, f"http://127.0.0.1:{port}/api/v1/reports", key,
                                                                     args.clients, args.seconds, raw))
            stacks = samples(raw)
    accepted = max(accepted, 1)
    total = sum(n for _, n in stacks) or 1
    ms_per_sample = cpu * 1000 / accepted / total  # the samples share the process's measured CPU time
    by_area: Counter[str] = Counter()
    by_step: Counter[str] = Counter()
    by_frame: Counter[str] = Counter()
    for frames, n in stacks:
        function, file = frames[-1]
        by_area[area(file)] += n
        by_step[step(frames)] += n
        by_frame[f"{function} ({file.rsplit('/', 1)[-1]})"] += n
    print(f"{args.backend}, {args.clients} clients, {args.seconds:.0f} s: {accepted} reports accepted ({summary}); "
          f"{cpu * 1000 / accepted:.2f} ms of the server's CPU per report ({total} samples)")
    print()
    print("\n".join(table("where (library of the sampled frame)", by_area, total, ms_per_sample, args.top)))
    print()
    print("\n".join(table("for which step (innermost gateway frame)", by_step, total, ms_per_sample, args.top)))
    print()
    print("\n".join(table("busiest frames", by_frame, total, ms_per_sample, args.top)))


if __name__ == "__main__":
    main()
