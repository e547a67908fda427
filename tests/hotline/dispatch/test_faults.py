"""Faults behind the proxy: a worker killed mid-call, malformed and unexpected SIP."""
from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import redis

from gateway.calls import CALL_EVENTS, CallEvent
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import eventually
from tests.hotline.dispatch.callers import HOST, finished, headers, invite_with_sdp, options, request, send, sipp
from tests.hotline.dispatch.records import answered, calls_where, ended
from tests.hotline.dispatch.site import Site

GOOD_SDP = (f"v=0\r\no=- 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4 {HOST}\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")
BROKEN_SDP = f"v=0\r\no=- 1 1 IN IP4 {HOST}\r\ns=-\r\nc=IN IP4\r\nm=audio notaport RTP/AVP 0\r\na=rtpmap:0\r\n"


def failed_call_ids(errors: str) -> set[str]:
    """The SIP Call-IDs of the calls sipp reports as failed."""
    return set(re.findall(r"Call-I[Dd][: ]+'?([^'\s]+@127\.0\.0\.1)", errors))


async def test_a_killed_worker_loses_only_its_calls_and_records_them_dropped_when_it_returns(site: Site, tmp_path: Path) -> None:
    store = Store(create_engine(site.database_url))
    listener = redis.Redis.from_url(site.redis_url).pubsub()
    listener.subscribe(CALL_EVENTS)
    try:
        first = sipp("uac.xml", site.proxy_port, line="12319", calls=4, hold_ms=9000, local_port=site.spare_port(), work=tmp_path / "first")
        up = await calls_where(store, answered, 4)
        assert Counter(row.worker for row in up) == {site.worker_name(0): 2, site.worker_name(1): 2}
        lost = {row.id: row.external_id for row in up if row.worker == site.worker_name(0)}

        site.kill_worker(0)
        code, errors = finished(first, tmp_path / "first")
        assert code != 0, "the calls on the killed worker cannot have ended well"
        assert failed_call_ids(errors) == set(lost.values()), errors
        survivors = await calls_where(store, lambda row: row.worker == site.worker_name(1) and row.ended_at is not None, 2)
        assert all(row.outcome != "dropped" and row.duration_s >= 9 for row in survivors)
        still_open = [row for row in await store.calls(in_progress=True) if row.id in lost]
        assert len(still_open) == 2, "a killed worker wrote nothing more, so its calls are still open until it returns"

        during = sipp("uac.xml", site.proxy_port, line="12319", calls=2, hold_ms=1000, local_port=site.spare_port(), work=tmp_path / "during")
        code, errors = finished(during, tmp_path / "during")
        assert code == 0, f"calls placed while a worker was down did not all reach the other one:\n{errors}"
        after_kill = [row for row in await store.calls(limit=100) if row.id > max(row.id for row in up)]
        assert len(after_kill) == 2
        assert {row.worker for row in after_kill} == {site.worker_name(1)}

        site.start_workers(0)
        dropped = await calls_where(store, lambda row: row.id in lost and row.outcome == "dropped" and row.state == "ended", 2)
        assert {row.id for row in dropped} == set(lost)
        told: set[int] = set()

        def dropped_told() -> bool:
            while (message := listener.get_message(timeout=0.2)) is not None:
                if message["type"] == "message" and (event := CallEvent.model_validate_json(message["data"])).kind == "dropped":
                    told.add(event.call_id)
            return set(lost) <= told

        await eventually(dropped_told, timeout=30)

        async def rejoined() -> bool:
            """The restarted worker takes calls again (round robin gives it one of every two)."""
            work = tmp_path / f"again-{os.urandom(3).hex()}"
            code, errors = finished(sipp("uac.xml", site.proxy_port, line="12319", calls=2, hold_ms=500, local_port=site.spare_port(), work=work), work)
            assert code == 0, errors
            latest = await store.calls(limit=2)
            return site.worker_name(0) in {row.worker for row in latest}

        assert await eventually(rejoined, timeout=30)
    finally:
        listener.close()
        await store.close()


async def test_malformed_and_unexpected_sip_changes_nothing_and_calls_go_on(site: Site, tmp_path: Path) -> None:
    garbage = [
        os.urandom(700),
        b"\x00" * 64,
        b"INVITE sip:12319@ SIP/2.0\r\n\r\n",
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKnothing\r\nCSeq: 1 INVITE\r\n\r\n",
        (headers("INVITE", site.proxy_port, "no-length", user="12319") + "Content-Length: 99999\r\n\r\nv=0\r\n").encode(),
        b"OPTIONS sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n",
    ]
    targets = [site.proxy_port, site.worker_port(0), site.worker_port(1)]
    for port in targets:
        for datagram in garbage:
            send(port, datagram)

    for port in (site.worker_port(0), site.proxy_port):
        statuses = invite_with_sdp(port, "12319", BROKEN_SDP)
        assert statuses and statuses[-1].split()[1] in {"400", "488"}, statuses
    unknown_line = invite_with_sdp(site.proxy_port, "99999", GOOD_SDP)
    assert unknown_line and unknown_line[-1].split()[1] == "404", unknown_line
    message = request(site.proxy_port, headers("MESSAGE", site.proxy_port, os.urandom(8).hex(), user="12319") + "Content-Length: 0\r\n\r\n")
    assert message and message[-1].split()[1] == "405", message

    assert all(proc.poll() is None for proc in site.workers.values())
    assert all(options(port) == 200 for port in targets)
    store = Store(create_engine(site.database_url))
    try:
        assert await store.calls() == [], "a refused INVITE left a call record"
        code, errors = finished(sipp("uac.xml", site.proxy_port, line="12319", calls=2, hold_ms=1000, local_port=site.spare_port(),
                                     work=tmp_path / "after"), tmp_path / "after")
        assert code == 0, errors
        rows = await calls_where(store, ended, 2)
        assert {row.worker for row in rows} == {site.worker_name(0), site.worker_name(1)}
    finally:
        await store.close()
