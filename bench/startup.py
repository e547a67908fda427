"""Start-up benchmark: how soon a (re)started `gateway serve` answers /healthz, /readyz 200 and a first report,
and when its classifier is in place, on SQLite and on PostgreSQL; beside an aiohttp hello-world started the same
way in the same run (the ratios are against the hello-world's first answer).

    .venv/bin/python bench/startup.py [--runs 5] [--backends sqlite postgresql] [--poll 0.05] [--cold] [--before DIR]

The first answer (/healthz, the hello-world's POST) is asked for every 5 ms; /readyz, the first report and the
classifier every --poll seconds: a starting process that answers spends CPU on every refusal (asked every 5 ms,
readiness came up to 0.6 s later on a 2-core machine), where probes of a deployment come every few seconds.

--cold gives every run a copy of the model directory without jieba's caches (the first start after a deploy);
--before DIR also starts `gateway serve` from another checkout (an older version), alternating with this one
start by start, so that both meet the same load of a shared machine. PostgreSQL: TEST_POSTGRES_URL or
127.0.0.1:5432 (a throw-away database).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, database, free_port, python, redis_server  # noqa: E402
from classifier.registry import default_model_dir  # noqa: E402
from gateway.store.engine import create_engine  # noqa: E402
from gateway.store.store import Store  # noqa: E402

KEY = "gw_bench-startup-key-0123456789abcdef"
FIRST_POLL = 0.005
REPORT = {"text": "人民路和解放路路口的污水井盖不见了，晚上很危险", "location": {"lat": 31.3126, "lon": 120.6104}}


def first_answer(url: str, started: float, ok: int = 200, poll: float = FIRST_POLL, **post: object) -> tuple[float, float]:
    """Seconds from `started` until `url` answers `ok`, and the longest any of the requests waited for its answer (a
    request waits while the server accepts but cannot answer yet; one refused before the port is bound is sent again)."""
    slowest = 0.0
    while True:
        sent = time.monotonic()
        try:
            resp = requests.post(url, timeout=(0.5, 60), **post) if post else requests.get(url, timeout=(0.5, 60))  # type: ignore[arg-type]
            slowest = max(slowest, time.monotonic() - sent)
            if resp.status_code == ok:
                return time.monotonic() - started, slowest
        except requests.ConnectionError:
            pass
        time.sleep(poll)


def classifier_ready(base: str, started: float, poll: float) -> float:
    """Seconds until /readyz says the classifier is in (an older version without the field: ready means loaded)."""
    while True:
        try:
            resp = requests.get(base + "/readyz", timeout=(0.5, 60))
            if resp.status_code == 200 and resp.json().get("classifier", "ready") == "ready":
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(poll)


def one_start(tree: Path, env: dict[str, str], poll: float) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    proc = subprocess.Popen([python(), "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=tree,
                            env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        (healthz, waited), (readyz, waited_ready) = first_answer(base + "/healthz", started), first_answer(base + "/readyz", started, poll=poll)
        figures = {"healthz": healthz, "readyz": readyz, "waited": max(waited, waited_ready)}
        figures["report"] = first_answer(base + "/api/v1/reports", started, 201, poll, json=REPORT, headers={"Authorization": f"Bearer {KEY}"})[0]
        figures["classifier"] = classifier_ready(base, started, poll)
        return figures
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def hello_start() -> float:
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen([python(), "bench/hello.py", str(port)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return first_answer(f"http://127.0.0.1:{port}/hello", started, 201, json={})[0]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cold_model_dir(work: Path, n: int) -> Path:
    """A copy of the model directory without jieba's cached dictionaries."""
    target = work / f"models-{n}"
    shutil.copytree(default_model_dir(), target, ignore=shutil.ignore_patterns("jieba*"))
    return target


async def add_key(database_url: str) -> None:
    store = Store(create_engine(database_url))
    try:
        await store.add_api_key("bench", KEY, "client")
    finally:
        await store.close()


def table(name: str, runs: list[dict[str, float]], base: float) -> list[str]:
    rows = []
    for key, what in (("healthz", "/healthz 200"), ("readyz", "/readyz 200"), ("report", "first report 201"), ("classifier", "classifier loaded"),
                      ("waited", "longest wait of a /healthz or /readyz request")):
        values = [r[key] for r in runs]
        middle = statistics.median(values)
        rows.append(f"| {name}, {what} | {middle:.2f} | {min(values):.2f} – {max(values):.2f} | {middle / base:.1f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between asks after the first answer")
    args = parser.parse_args()
    trees = ([("before", args.before)] if args.before else []) + [("now", REPO)]
    starts = [(backend, name, tree) for backend in args.backends for name, tree in trees]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        redis_url = stack.enter_context(redis_server(work))
        urls = {backend: stack.enter_context(database(backend, work)) for backend in args.backends}
        for url in urls.values():
            asyncio.run(add_key(url))
        config = work / "gateway.yaml"
        config.write_text(yaml.safe_dump({"log_level": "WARNING", "media_dir": str(work / "media")}), encoding="utf-8")
        env = {"GATEWAY_CONFIG": str(config), "REDIS_URL": redis_url, "GATEWAY_CLASSIFIER_MODEL_DIR": str(default_model_dir())}
        hello: list[float] = []
        runs: dict[str, list[dict[str, float]]] = {f"{backend}, {name}": [] for backend, name, _ in starts}
        for _ in range(args.runs):
            hello.append(hello_start())
            for n, (backend, name, tree) in enumerate(starts):
                if args.cold:
                    env["GATEWAY_CLASSIFIER_MODEL_DIR"] = str(cold_model_dir(work, len(hello) * len(starts) + n))
                runs[f"{backend}, {name}"].append(one_start(tree, env | {"GATEWAY_DATABASE_URL": urls[backend]}, args.poll))
    base = statistics.median(hello)
    print(f"{'cold' if args.cold else 'warm'} caches, median of {args.runs} starts each, asked every {args.poll:g} s after the first answer")
    print("| first answer | seconds (median) | min – max | ratio to hello-world |")
    print("|---|---|---|---|")
    print(f"| hello-world, first POST | {base:.2f} | {min(hello):.2f} – {max(hello):.2f} | 1.00 |")
    for name, figures in runs.items():
        print("\n".join(table(name, figures, base)))


if __name__ == "__main__":
    main()
