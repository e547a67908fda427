"""Duplicate lookup benchmark: 1,000,000 stored cases (100,000 open) in SQLite and PostgreSQL; the
indexed lookup the pipeline runs, beside a brute-force scan of every open case in the same run.

    .venv/bin/python bench/dedup.py [--cases 1000000] [--open 100000] [--lookups 300]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import database  # noqa: E402
from classifier.tables import load_tables  # noqa: E402
from gateway.intake.dedup import Deduplicator  # noqa: E402
from gateway.domain import OPEN_STATUSES, CaseStatus  # noqa: E402
from gateway.location.dedup import HARD_CAP_M, Sighting, best_match  # noqa: E402
from gateway.location.geo import haversine_m  # noqa: E402
from gateway.store.engine import create_engine  # noqa: E402
from gateway.store.models import CaseRow  # noqa: E402
from gateway.store.store import Store  # noqa: E402

CLASSES = ["cp-0101", "cp-0102", "cp-0118", "cp-0305", "ev-2013-0110", "ev-2013-0111", "ev-2013-0301", "ev-2013-0409", "ev-2013-0401", "ev-2013-0201"]
TEXTS = ["井盖不见了", "路灯不亮", "垃圾桶满了", "垃圾没人清", "工地夜间施工太吵", "车停在人行道上", "流动摊贩占道", "电线杆上贴满小广告"]
CITY = (30.9, 31.5, 120.3, 121.0)  # about 65 km x 65 km


def rows(n: int, n_open: int, now: datetime, rnd: random.Random):
    closed = [CaseStatus.CLOSED, CaseStatus.VOIDED]
    for i in range(n):
        is_open = i < n_open
        created = now - timedelta(hours=rnd.random() * (60 if is_open else 24 * 365))
        yield {
            "created_at": created, "updated_at": created,
            "status": CaseStatus.FORWARDED if is_open else rnd.choice(closed),
            "class_id": rnd.choice(CLASSES), "class_confidence": 0.9, "class_source": "model",
            "text": rnd.choice(TEXTS), "language": "zh",
            "lat": CITY[0] + rnd.random() * (CITY[1] - CITY[0]), "lon": CITY[2] + rnd.random() * (CITY[3] - CITY[2]),
            "precision_m": 20.0, "source_channel": "web", "case_source": "网络上报", "reports_count": 1, "version": 1,
        }


async def fill(store: Store, n: int, n_open: int, now: datetime) -> None:
    rnd, batch = random.Random(7), []
    async with store.engine.begin() as conn:
        for row in rows(n, n_open, now, rnd):
            batch.append(row)
            if len(batch) == 20_000:
                await conn.execute(insert(CaseRow), batch)
                batch = []
        if batch:
            await conn.execute(insert(CaseRow), batch)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.99 * (len(ordered) - 1))] * 1000


async def measure(url: str, args: argparse.Namespace) -> list[str]:
    store = Store(create_engine(url))
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    await fill(store, args.cases, args.open, now)
    fill_s = time.perf_counter() - started
    dedup = Deduplicator(load_tables())
    rnd = random.Random(11)
    probes = [Sighting(rnd.choice(CLASSES), CITY[0] + rnd.random() * (CITY[1] - CITY[0]), CITY[2] + rnd.random() * (CITY[3] - CITY[2]), 20.0, now, rnd.choice(TEXTS)) for _ in range(args.lookups)]
    indexed = []
    for probe in probes:
        t = time.perf_counter()
        async with store.transaction() as tx:
            await dedup.find(tx, probe)
        indexed.append(time.perf_counter() - t)
    async with store.transaction() as tx:
        open_cases = list(await tx.session.scalars(select(CaseRow).where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]))))
    brute = []
    for probe in probes[: max(10, args.lookups // 10)]:
        t = time.perf_counter()
        near = [(str(c.id), dedup.sighting(c)) for c in open_cases if haversine_m(probe.lat, probe.lon, c.lat, c.lon) <= HARD_CAP_M]
        best_match(probe, near, dedup.policies, dedup.family, dedup.similarity)
        brute.append(time.perf_counter() - t)
    await store.close()
    (ip50, ip99), (bp50, bp99) = percentiles(indexed), percentiles(brute)
    backend = url.split("+", 1)[0]
    return [
        f"| {backend} | indexed lookup (pipeline) | {ip50:.2f} | {ip99:.2f} | {bp50 / ip50:.0f}× faster |",
        f"| {backend} | brute-force scan of {len(open_cases):,} open cases in memory | {bp50:.2f} | {bp99:.2f} | 1 |",
        f"| {backend} | (filling {args.cases:,} cases took {fill_s:.0f} s) | | | |",
    ]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    lines = ["| backend | lookup | p50 ms | p99 ms | ratio |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends:
            with database(backend, Path(tmp)) as url:
                lines += await measure(url, args)
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
