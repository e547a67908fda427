"""Start-up benchmark: how soon a (re)started `gateway serve` answers /healthz, /readyz and a first report,
and when its classifier is in place; beside an aiohttp hello-world started the same way in the same run.

    .venv/bin/python bench/startup.py [--runs 5] [--cold] [--before DIR]

--cold gives every run a copy of the model directory without jieba's caches (the first start after a deploy);
--before DIR also starts `gateway serve` from another checkout (an older version), alternating with this one
start by start, so that both meet the same load of a shared machine.
"""
from __future__ import annotations

import argparse
import asyncio
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
REPORT = {"text": "人民路和解放路路口的污水井盖不见了，晚上很危险", "location": {"lat": 31.3126, "lon": 120.6104}}


def first_answer(url: str, started: float, ok: int = 200, **post: object) -> float:
    """Seconds from `started` until `url` answers `ok` (a request waits while the server accepts but cannot answer yet)."""
    while True:
        try:
            resp = requests.post(url, timeout=(0.5, 60), **post) if post else requests.get(url, timeout=(0.5, 60))  # type: ignore[arg-type]
            if resp.status_code == ok:
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.005)


def classifier_ready(base: str, started: float) -> float:
    """Seconds until /readyz says the classifier is in (an older version without the field: ready means loaded)."""
    while True:
        try:
            resp = requests.get(base + "/readyz", timeout=(0.5, 60))
            if resp.status_code == 200 and resp.json().get("classifier", "ready") == "ready":
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.005)


def one_start(tree: Path, env: dict[str, str]) -> dict[str, float]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    proc = subprocess.Popen([python(), "-m", "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)], cwd=tree,
                            env=os.environ | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        figures = {"healthz": first_answer(base + "/healthz", started), "readyz": first_answer(base + "/readyz", started)}
        figures["report"] = first_answer(base + "/api/v1/reports", started, 201, json=REPORT, headers={"Authorization": f"Bearer {KEY}"})
        figures["classifier"] = classifier_ready(base, started)
        return figures
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def hello_start() -> float:
    port = free_port()
    started = time.monotonic()
    proc = subprocess.Popen([python(), "bench/hello.py", str(port)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return first_answer(f"http://127.0.0.1:{port}/hello", started, 201, json={})
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cold_model_dir(work: Path, n: int) -> Path:
    """A copy of the model directory without jieba's cached dictionaries."""
    target = work / f"models-{n}"
    shutil.copytree(default_model_dir(), target, ignore=shutil.ignore_patterns("jieba*"))
    return target


def table(name: str, runs: list[dict[str, float]], base: float) -> list[str]:
    rows = []
    for key, what in (("healthz", "/healthz 200"), ("readyz", "/readyz 200"), ("report", "first report 201"), ("classifier", "classifier loaded")):
        values = [r[key] for r in runs]
        middle = statistics.median(values)
        rows.append(f"| {name}, {what} | {middle:.2f} | {min(values):.2f} – {max(values):.2f} | {middle / base:.1f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true")
    parser.add_argument("--before", type=Path, default=None)
    args = parser.parse_args()
    trees = ([("before", args.before)] if args.before else []) + [("gateway serve", REPO)]
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        work = Path(tmp)
        with redis_server(work) as redis_url, database("sqlite", work) as database_url:
            store = Store(create_engine(database_url))
            asyncio.run(store.add_api_key("bench", KEY, "client"))
            asyncio.run(store.close())
            config = work / "gateway.yaml"
            config.write_text(yaml.safe_dump({"log_level": "WARNING", "media_dir": str(work / "media")}), encoding="utf-8")
            env = {"GATEWAY_CONFIG": str(config), "GATEWAY_DATABASE_URL": database_url, "REDIS_URL": redis_url,
                   "GATEWAY_CLASSIFIER_MODEL_DIR": str(default_model_dir())}
            hello: list[float] = []
            runs: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
            for n in range(args.runs):
                hello.append(hello_start())
                for name, tree in trees:
                    if args.cold:
                        env["GATEWAY_CLASSIFIER_MODEL_DIR"] = str(cold_model_dir(work, len(runs[name]) + 100 * len(name)))
                    runs[name].append(one_start(tree, env))
    base = statistics.median(hello)
    print(f"{'cold' if args.cold else 'warm'} caches, median of {args.runs} starts each")
    print("| first answer | seconds (median) | min – max | ratio to hello-world |")
    print("|---|---|---|---|")
    print(f"| hello-world, first POST | {base:.2f} | {min(hello):.2f} – {max(hello):.2f} | 1.00 |")
    for name, _ in trees:
        print("\n".join(table(name, runs[name], base)))


if __name__ == "__main__":
    main()
