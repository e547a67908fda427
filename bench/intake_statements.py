"""SQL statements per report of intake's write (the group commit), counted in-process; a figure the machine's load
does not move, where every statement costs a round trip and its system calls.

    .venv/bin/python bench/intake_statements.py [--backend sqlite postgresql] [--reports 2000] [--group 16]

The reports of bench/intake.py are classified and located first, then written in groups of --group by
`Pipeline.store_batch` (lock, duplicate search, cases, reports, audit entries, outbox rows, commit) on a fresh
database with one platform; every statement sent to the database is counted, by its kind.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from bench.common import database, redis_server  # noqa: E402
from bench.intake import SECRET, body  # noqa: E402


async def count(url: str, redis_url: str, reports: int, group: int) -> str:
    from classifier.tables import load_tables
    from gateway.components import load_classifier, load_locator
    from gateway.intake.dedup import Deduplicator
    from gateway.domain import ReportIn
    from gateway.delivery.outbox import Outbox
    from gateway.intake.pipeline import Pipeline
    from gateway.queueing import make_queue
    from gateway.settings import PlatformSettings, Settings
    from gateway.store.engine import create_engine
    from gateway.store.store import Store

    settings = Settings(database_url=url, redis_url=redis_url, platforms=[PlatformSettings(id="bench", url="http://127.0.0.1:9/cases", secret=SECRET)])
    store = Store(create_engine(url))
    kinds: Counter[str] = Counter()

    @event.listens_for(store.engine.sync_engine, "before_cursor_execute")
    def counted(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool) -> None:
        kinds[" ".join(statement.split()[:3]) + (" (many rows)" if many else "")] += 1

    tables, locator = load_tables(), load_locator(settings)
    pipeline = Pipeline(store, Outbox(settings, tables, make_queue(settings)), tables, load_classifier(settings), locator,
                        Deduplicator(tables, similarity=locator.similarity) if locator else Deduplicator(tables))
    prepared = [pipeline.prepare(ReportIn.model_validate(body(n)), "api") for n in range(reports + group)]
    await pipeline.store_batch(prepared[:group])  # caches warm
    kinds.clear()
    cpu = time.process_time()
    for start in range(group, len(prepared), group):
        await pipeline.store_batch(prepared[start:start + group])
    cpu = time.process_time() - cpu
    await store.close()
    total = sum(kinds.values())
    lines = [f"{url.split(':', 1)[0]}: {total / reports:.2f} statements per report, {total / (reports / group):.1f} per group of {group}; "
             f"{cpu * 1000 / reports:.2f} ms of CPU per report in this process (write only)"]
    lines += [f"  {n / (reports / group):6.1f} per group  {kind}" for kind, n in kinds.most_common()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--group", type=int, default=16)
    args = parser.parse_args()
    for backend in args.backend:
        with tempfile.TemporaryDirectory() as tmp, redis_server(Path(tmp)) as redis_url, database(backend, Path(tmp)) as url:
            print(asyncio.run(count(url, redis_url, args.reports, args.group)))


if __name__ == "__main__":
    main()
