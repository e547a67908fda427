"""Kamailio spreads calls over the workers: eight at once go four and four, a ninth is turned away busy after both were tried;
a call sent to a full worker is answered by the next."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from gateway.store.engine import create_engine
from gateway.store.models import CallRow
from gateway.store.store import Store
from tests.hotline.dispatch.callers import finished, sipp
from tests.hotline.dispatch.records import answered, calls_where, ended
from tests.hotline.dispatch.site import Site

HOLD_MS = 8000


def most_at_once(rows: list[CallRow]) -> int:
    """The largest number of these calls that were answered and not yet ended at one moment."""
    marks = sorted([(row.answered_at, 1) for row in rows if row.answered_at] + [(row.ended_at, -1) for row in rows if row.ended_at],
                   key=lambda mark: (mark[0], mark[1]))
    level = top = 0
    for _, step in marks:
        level += step
        top = max(top, level)
    return top


async def test_eight_calls_at_once_go_four_to_each_worker_and_a_ninth_gets_busy(site: Site, tmp_path: Path) -> None:
    eight = sipp("uac.xml", site.proxy_port, line="12319", calls=8, hold_ms=HOLD_MS, local_port=site.spare_port(), work=tmp_path / "eight")
    store = Store(create_engine(site.database_url))
    try:
        await calls_where(store, answered, 8)
        ninth = sipp("uac_busy.xml", site.proxy_port, line="12319", calls=1, hold_ms=0, local_port=site.spare_port(), work=tmp_path / "ninth")
        code, errors = finished(ninth, tmp_path / "ninth")
        assert code == 0, f"the ninth call was not answered 486:\n{errors}"
        assert site.proxy_said("moved to"), "Kamailio did not try the second worker for the ninth call"

        code, errors = finished(eight, tmp_path / "eight")
        assert code == 0, errors
        rows = await calls_where(store, ended, 8)
        assert len(await store.calls()) == 8, "the ninth call reached a worker's call records"
        assert Counter(row.worker for row in rows) == {site.worker_name(0): 4, site.worker_name(1): 4}
        assert most_at_once(rows) == 8
        assert all(row.outcome != "dropped" for row in rows)
    finally:
        await store.close()


async def test_a_call_the_proxy_sends_to_a_full_worker_is_answered_by_the_next(site: Site, tmp_path: Path) -> None:
    store = Store(create_engine(site.database_url))
    try:
        direct = sipp("uac.xml", site.worker_port(0), line="12319", calls=4, hold_ms=HOLD_MS, local_port=site.spare_port(), work=tmp_path / "direct")
        await calls_where(store, answered, 4)
        # round robin sends one of two new calls to the full worker first: its 486 moves that call on
        proxied = sipp("uac.xml", site.proxy_port, line="12319", calls=2, hold_ms=1000, local_port=site.spare_port(), work=tmp_path / "proxied")
        code, errors = finished(proxied, tmp_path / "proxied")
        assert code == 0, errors
        assert site.proxy_said("moved to"), "no call was moved from the full worker"
        code, errors = finished(direct, tmp_path / "direct")
        assert code == 0, errors
        rows = await calls_where(store, ended, 6)
        assert Counter(row.worker for row in rows) == {site.worker_name(0): 4, site.worker_name(1): 2}
    finally:
        await store.close()
