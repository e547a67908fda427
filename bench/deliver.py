"""Delivery benchmark: one `gateway worker` draining the outbox to a local receiving platform, beside a sequential
signed sender measured in the same run against the same receiver; then a backlog left by a platform that was down.

    .venv/bin/python bench/deliver.py [--count 20000] [--backlog 100000] [--backends postgresql sqlite] [--tree DIR]

The receiver runs in a child process of its own (`bench/deliver.py receive PORT`) and checks every signature.
"Queued" rows are queued in rq one job each, as intake queues them; the "backlog" rows waited in SQL while the
platform was paused, and the worker finds them the way it would: a probe succeeds, the platform resumes, they drain.
`--tree` runs the worker from another checkout of the project (to compare versions on the same machine).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, child, database, free_port, python, redis_server  # noqa: E402
from gateway.delivery.outbox import delivery_job  # noqa: E402
from gateway.queueing import make_queue  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.signing import sign  # noqa: E402
from gateway.store.engine import create_engine  # noqa: E402
from gateway.store.models import CaseRow, DeliveryRow, PlatformStateRow  # noqa: E402
from gateway.store.store import DeliveryStatus, Store, utcnow  # noqa: E402

SECRET = "bench-platform-secret-0123456789"
PLATFORM = "bench"
BODY = json.dumps({
    "event": "case.created", "case_number": "CS20261202000001", "status": "forwarded", "text": "解放路与人民路交叉口东北角的路灯连续三个晚上不亮，行人过马路看不清车辆，请尽快派人维修。",
    "language": "zh", "class": {"kind": "component", "major_code": "01", "major_name": "公用设施", "minor_code": "0118", "minor_name": "路灯", "edition": "gbt30428-2013"},
    "class_id": "cp-0118", "class_unmapped": False, "confidence": 0.93,
    "location": {"lat": 31.3101234, "lon": 120.6123456, "crs": "wgs84", "precision_m": 15.0, "address": "姑苏区解放路与人民路交叉口", "grid_code": "320508001001"},
    "source": {"channel": "api", "case_source": "公众举报"}, "reports_count": 1, "media": [], "created_at": "2026-12-02T03:00:00+00:00",
}, ensure_ascii=False)


async def receive(port: int) -> None:
    """The receiving platform, until killed."""
    from tests.support.receiver import running_receiver

    async with running_receiver(SECRET, port=port):
        await asyncio.Event().wait()


async def sequential_sender(url: str, seconds: float) -> float:
    """Signed POSTs of the same body one after another on one kept-alive connection: POSTs/s."""
    body = BODY.encode()
    async with aiohttp.ClientSession() as session:
        start, n = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            headers = {"Content-Type": "application/json; charset=utf-8", "X-Gateway-Event": "case.created",
                       "X-Gateway-Delivery": str(uuid.uuid4()), "X-Gateway-Signature": sign(SECRET, body)}
            async with session.post(url, data=body, headers=headers) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            n += 1
        return n / (time.perf_counter() - start)


async def fill_outbox(store: Store, count: int, *, age: timedelta = timedelta(0)) -> list[str]:
    """`count` pending deliveries of one case, created `age` ago, written in chunks."""
    now = utcnow()
    async with store.transaction() as tx:
        case = await tx.add(CaseRow(created_at=now - age, updated_at=now - age, status="forwarded", text="路灯不亮", language="zh",
                                    source_channel="api", case_source="公众举报"))
    ids = [str(uuid.uuid4()) for _ in range(count)]
    for start in range(0, count, 5000):
        rows = [{"id": i, "platform_id": PLATFORM, "case_id": case.id, "event": "case.created", "payload": BODY, "status": DeliveryStatus.PENDING,
                 "attempts": 0, "created_at": now - age, "retry_from": now - age, "next_attempt_at": now - age} for i in ids[start : start + 5000]]
        async with store.transaction() as tx:
            await tx.session.execute(DeliveryRow.__table__.insert(), rows)
    return ids


async def delivered(store: Store) -> int:
    from sqlalchemy import func, select

    async with store.transaction() as tx:
        return int(await tx.session.scalar(select(func.count()).select_from(DeliveryRow).where(DeliveryRow.status == DeliveryStatus.DELIVERED)) or 0)


async def drain_rate(store: Store, total: int, timeout: float, worker: subprocess.Popen[bytes]) -> tuple[float, float]:
    """(deliveries/s from the first delivery to the last, seconds from the first to the last) once `total` are delivered."""
    deadline = time.monotonic() + timeout

    def check(done: int) -> None:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited ({worker.returncode}) with {done} of {total} delivered")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{done} of {total} delivered in time")

    while (first := await delivered(store)) == 0:
        check(0)
        await asyncio.sleep(0.05)
    start = time.perf_counter()
    done = first
    while done < total:
        check(done)
        await asyncio.sleep(0.2)
        done = await delivered(store)
    seconds = time.perf_counter() - start
    return (total - first) / seconds, seconds


def worker_env(work: Path, database_url: str, redis_url: str, receiver_port: int) -> dict[str, str]:
    config = work / "deliver.yaml"
    config.write_text(yaml.safe_dump({"log_level": "WARNING", "platforms": [
        {"id": PLATFORM, "url": f"http://127.0.0.1:{receiver_port}/cases", "secret": SECRET, "max_in_flight": 64}]}), encoding="utf-8")
    return {"GATEWAY_CONFIG": str(config), "GATEWAY_DATABASE_URL": database_url, "REDIS_URL": redis_url}


async def run_backend(backend: str, work: Path, receiver_port: int, args: argparse.Namespace) -> list[str]:
    lines = []
    tree = Path(args.tree).resolve() if args.tree else REPO
    for scenario, count in (("queued", args.count), ("backlog", args.backlog)):
        if not count:
            continue
        with redis_server(work) as redis_url, database(backend, work) as database_url:
            env = worker_env(work, database_url, redis_url, receiver_port)
            store = Store(create_engine(database_url))
            queue = make_queue(Settings(database_url=database_url, redis_url=redis_url))
            try:
                if scenario == "queued":
                    ids = await fill_outbox(store, count)
                    for start in range(0, count, 5000):
                        queue.enqueue_many([delivery_job(i) for i in ids[start : start + 5000]])
                else:
                    await fill_outbox(store, count, age=timedelta(days=1))
                    async with store.transaction() as tx:
                        tx.session.add(PlatformStateRow(platform_id=PLATFORM, consecutive_failures=5, paused=True, probe_at=utcnow(), probe_interval=600.0,
                                                        changed_at=utcnow() - timedelta(days=1)))
                    queue.enqueue("gateway.jobs.probe", PLATFORM, job_id=f"probe-{PLATFORM}", result_ttl=0)
                floor = await sequential_sender(f"http://127.0.0.1:{receiver_port}/cases", args.seconds)
                with child([python(), "-m", "gateway", "worker"], env=env | {"PYTHONPATH": str(tree)}, cwd=tree) as worker:
                    rate, seconds = await drain_rate(store, count, args.timeout, worker)
                lines.append(f"| {backend} | {scenario} | {count:,} | {rate:,.0f} | {floor:,.0f} | {rate / floor:.2f} | {seconds:.1f} |")
                print(lines[-1], flush=True)
            finally:
                queue.connection.close()
                await store.close()
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=20_000, help="deliveries queued one rq job each, as intake queues them")
    parser.add_argument("--backlog", type=int, default=100_000, help="deliveries left waiting by a platform down for a day")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long the sequential sender runs")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--backends", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument("--tree", help="run the worker from this checkout instead")
    args = parser.parse_args()
    lines = ["| backend | outbox | deliveries | deliveries/s (1 worker) | sequential signed POSTs/s | ratio | drain s |", "|---|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        receiver_port = free_port()
        with child([python(), "bench/deliver.py", "receive", str(receiver_port)], port=receiver_port):
            for backend in args.backends:
                lines += await run_backend(backend, Path(tmp), receiver_port, args)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1:2] == ["receive"]:
        asyncio.run(receive(int(sys.argv[2])))
    else:
        asyncio.run(main())
