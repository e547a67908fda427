"""Faults: a hang-up during a prompt, a fifth call on a full worker, shutdown with calls up, a killed worker,
malformed SIP and unknown lines, no wheel."""
from __future__ import annotations

import os
import platform
import socket
import sqlite3
import subprocess
import sys
from typing import Any

from tests.conftest import eventually
from tests.hotline.sip.conftest import CALLER, HOST, REPO, ZH_HZ
from tests.hotline.sip.test_voicemail import _ended


async def test_hang_up_during_the_greeting_ends_the_call_as_abandoned(sip_worker: Any, store_of: Any, sqlite_url: str,
                                                                     call_event_log: Any) -> None:
    store = store_of(sqlite_url)
    worker = sip_worker(sqlite_url)
    worker.start()
    caller = worker.phone("call", "media", "hearing", str(ZH_HZ), "hangup", "end", name="caller", target=worker.uri(), user=CALLER)
    caller.wait()
    [row] = await store.calls()
    call = await eventually(lambda: _ended(store, row.id))
    assert (call.outcome, call.recording, call.handed_off_at) == ("abandoned", None, None)
    assert call.answered_at is not None and call.duration_s is not None
    assert await store.voicemails() == []
    await eventually(lambda: call_event_log.kinds(call.id) == ["ringing", "answered", "hung_up"])


async def test_fifth_call_is_busy_and_sigterm_ends_the_four_cleanly(sip_worker: Any, store_of: Any, sqlite_url: str) -> None:
    store = store_of(sqlite_url)
    worker = sip_worker(sqlite_url, voicemail_silence_seconds=60, voicemail_max_seconds=90)
    worker.start()
    callers = [worker.phone("call", "media", "end", name=f"caller{i}", target=worker.uri(), user=f"1380000000{i}") for i in range(4)]
    await eventually(lambda: _states(store, {"recording"}, 4))
    fifth = worker.phone("call", "end", name="fifth", target=worker.uri(), user="13800000009")
    fifth.wait()
    assert fifth.codes()[-1] == 486, fifth.log.read_text()

    assert worker.stop() == 0
    for caller in callers:
        caller.wait()
        assert caller.process.returncode == 0, caller.log.read_text()
    calls = await store.calls()
    assert len(calls) == 4 and all(c.state == "ended" and c.ended_at is not None for c in calls)
    assert {c.caller for c in calls} == {f"1380000000{i}" for i in range(4)}


async def test_calls_of_a_killed_worker_are_recorded_as_dropped(sip_worker: Any, store_of: Any, sqlite_url: str,
                                                                call_event_log: Any) -> None:
    store = store_of(sqlite_url)
    worker = sip_worker(sqlite_url, voicemail_silence_seconds=60, voicemail_max_seconds=90)
    worker.start()
    caller = worker.phone("call", "media", "end", name="caller", target=worker.uri(), user=CALLER)
    [row] = await eventually(lambda: _states(store, {"recording"}, 1))
    worker.kill()
    assert (await store.call(row.id)).state == "recording"
    worker.start()
    call = await eventually(lambda: _ended(store, row.id))
    assert call.outcome == "dropped"
    await eventually(lambda: "dropped" in call_event_log.kinds(row.id))
    caller.process.kill()
    caller.process.wait()


async def _states(store: Any, states: set[str], count: int) -> list[Any] | None:
    calls = [c for c in await store.calls() if c.state in states]
    return calls if len(calls) == count else None


async def test_malformed_sip_and_unknown_lines_are_refused_and_the_worker_goes_on(sip_worker: Any, store_of: Any, sqlite_url: str) -> None:
    store = store_of(sqlite_url)
    worker = sip_worker(sqlite_url)
    worker.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as raw:
        raw.sendto(b"INVITE nonsense\r\nVia: \r\n\r\n\x00\xff", (HOST, worker.port))
        raw.sendto(b"\x16\x03\x01 not sip at all", (HOST, worker.port))
    unknown = worker.phone("call", "end", name="unknown", target=worker.uri("55555"), user=CALLER)
    unknown.wait()
    assert unknown.codes()[-1] == 404, unknown.log.read_text()
    assert await store.calls() == []
    known = worker.phone("call", "media", "hearing", str(ZH_HZ), "hangup", "end", name="known", target=worker.uri(), user=CALLER)
    known.wait()
    assert any(e.get("event") == "hearing" for e in known.events()), known.log.read_text()


def test_without_the_wheel_the_reason_is_said_plainly() -> None:
    code = "import sys; sys.modules['pjsua2'] = None; from channels.hotline.sip import unavailable_reason; print(unavailable_reason())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert "pjsua2 wheel" in out and "CPython 3.8-3.12 on x86_64" in out and platform.python_version() in out


def test_a_port_in_use_is_said_plainly_and_exits_1(sip_worker: Any, sqlite_url: str) -> None:
    worker = sip_worker(sqlite_url)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind((HOST, worker.port))
        worker.write_config()
        run = subprocess.run([sys.executable, "-m", "gateway", "sip"], cwd=REPO, env={**os.environ, "GATEWAY_CONFIG": str(worker.config)},
                             capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "cannot start" in run.stderr + run.stdout and "Address already in use" in run.stderr + run.stdout


async def test_a_call_that_cannot_be_recorded_is_refused_with_503(sip_worker: Any, sqlite_url: str) -> None:
    """The proxy then tries the next worker; nobody is kept ringing by a worker that cannot write."""
    worker = sip_worker(sqlite_url)
    worker.errors_expected = True
    worker.start()
    database = sqlite3.connect(sqlite_url.split("///", 1)[1])
    database.execute("ALTER TABLE calls RENAME TO calls_away")
    database.commit()
    try:
        caller = worker.phone("call", "end", name="caller", target=worker.uri(), user=CALLER)
        caller.wait()
    finally:
        database.execute("ALTER TABLE calls_away RENAME TO calls")
        database.commit()
        database.close()
    assert caller.codes()[-1] == 503, caller.log.read_text()
    assert b"refused (503)" in worker.log.read_bytes()
