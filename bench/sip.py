"""SIP hotline benchmark: concurrent calls that hear the prompts and leave a spoken message, against one
`gateway sip` worker and then several behind Kamailio, beside a bare PJSUA2 answerer doing the same audio
work, measured in the same run.

    .venv/bin/python bench/sip.py [--plays 4] [--workers 2 5 10]

Each call is a sipp caller (tests/support/sipp/uac_message.xml) that speaks for 7.1 s x plays and hangs up;
the worker plays the greeting and the voicemail offer (18 s) and records the rest. All calls of a row start
within one second and overlap for the whole window measured. Figures: calls answered and messages kept,
INVITE-to-200 latency (from sipp's message trace, p50 and max), CPU per call of the answering processes (from
/proc, over the window where every call is up), the proxy's CPU, and how busy the machine was.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import database, python, redis_server  # noqa: E402
from gateway.store.engine import create_engine  # noqa: E402
from gateway.store.store import Store  # noqa: E402
from tests.hotline.dispatch.callers import HOST, finished, sipp, wait_answering  # noqa: E402
from tests.conftest import free_port_block  # noqa: E402
from tests.hotline.dispatch.site import CALLER_PORTS, Site  # noqa: E402

CALLS_PER_WORKER = 4
SPEECH_SECONDS = 7.1
PROMPT_SECONDS = 18.2
"""Greeting, voicemail offer and beep before the recording starts."""
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Row:
    name: str
    calls: int
    answered: int
    kept: int
    recorded_s: float
    latencies_ms: list[float]
    cpu_per_call: float
    """% of one core per call, answering processes only"""
    proxy_cpu: float
    """% of one core, the whole proxy"""
    machine_busy: float
    """% of all cores"""
    outcomes: str = ""
    """how the calls ended, as the workers recorded them"""


def process_ticks(pid: int) -> int:
    """utime + stime of a process and of its children still running."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


MESSAGE_MARK = re.compile(r"^-{20,} (\S+ \S+)\n(UDP message \w+).*?\n\n(.*?)\n(?:.*\n)*?Call-ID: (\S+)", re.M)


def latencies(work: Path) -> list[float]:
    """INVITE-to-200 of each call (ms) from sipp's message trace (microsecond stamps)."""
    sent: dict[str, datetime] = {}
    found: list[float] = []
    for path in work.glob("*_messages.log"):
        for stamp, direction, first, call_id in MESSAGE_MARK.findall(path.read_text(errors="replace")):
            at = datetime.fromisoformat(stamp)
            if direction.endswith("sent") and first.startswith("INVITE "):
                sent.setdefault(call_id, at)
            elif first.startswith("SIP/2.0 200") and call_id in sent:
                found.append((at - sent.pop(call_id)).total_seconds() * 1000)
    return found


def place_calls(port: int, calls: int, plays: int, local_port: int, work: Path, answering: list[int], proxy: int | None) -> tuple[list[float], float, float, float, int]:
    """Run `calls` callers against HOST:port; latencies, CPU per call, proxy CPU and machine busy % over the window, sipp's exit code."""
    run = sipp("uac_message.xml", port, line="12319", calls=calls, hold_ms=0, local_port=local_port, work=work,
               variables={"plays": str(plays)}, extra=("-trace_msg",))
    call_seconds = plays * SPEECH_SECONDS
    time.sleep(3)  # every call answered and its media up
    window = call_seconds - 5
    before = [process_ticks(pid) for pid in answering], process_ticks(proxy) if proxy else 0, machine_ticks()
    time.sleep(window)
    after = [process_ticks(pid) for pid in answering], process_ticks(proxy) if proxy else 0, machine_ticks()
    code, _ = finished(run, work, timeout=call_seconds + 60)
    cpu = (sum(after[0]) - sum(before[0])) / TICKS / window / calls * 100
    proxy_cpu = (after[1] - before[1]) / TICKS / window * 100
    busy = (after[2][0] - before[2][0]) / max(1, after[2][1] - before[2][1]) * 100
    return latencies(work), cpu, proxy_cpu, busy, code


def wav_seconds(path: Path) -> float:
    """Length of a WAV from its size and header rate (the recorder of a killed process never completes its sizes)."""
    data = path.read_bytes()
    if len(data) <= 44:
        return 0.0
    bytes_per_second = int.from_bytes(data[28:32], "little")
    return (len(data) - 44) / bytes_per_second


def floor(calls: int, plays: int, work: Path) -> Row:
    """The bare PJSUA2 answerer taking `calls` calls."""
    base = free_port_block(CALLER_PORTS + 100)
    recordings = work / "recordings"
    recordings.mkdir(parents=True)
    proc = subprocess.Popen([python(), "bench/sip_answerer.py", str(base + 2), str(base + CALLER_PORTS), str(recordings)],
                            cwd=Path(__file__).resolve().parents[1], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_answering(base + 2)
        lat, cpu, _, busy, _ = place_calls(base + 2, calls, plays, base + 10, work / "calls", [proc.pid], None)
    finally:
        proc.terminate()
        proc.wait()
    seconds = [wav_seconds(path) for path in recordings.glob("*.wav")]
    kept = [s for s in seconds if s > 1]
    return Row(f"bare PJSUA2 answerer, {calls} calls", calls, len(lat), len(kept), statistics.mean(seconds) if seconds else 0.0,
               lat, cpu, 0.0, busy)


async def messages(database_url: str) -> tuple[list[float], str]:
    """Lengths of the messages kept, and how the calls ended."""
    store = Store(create_engine(database_url))
    try:
        kept = [row.duration_s for row in await store.voicemails(status=None, limit=1000)]
        outcomes = Counter(row.outcome for row in await store.calls(limit=1000))
        return kept, ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items(), key=str))
    finally:
        await store.close()


def site_row(workers: int, plays: int, work: Path, redis_url: str, behind_proxy: bool) -> Row:
    calls = CALLS_PER_WORKER * workers
    with database("sqlite", work) as database_url:
        site = Site(work, database_url, redis_url, workers, log_level="WARNING")
        try:
            site.start_workers()
            if behind_proxy:
                site.start_proxy()
            port = site.proxy_port if behind_proxy else site.worker_port(0)
            lat, cpu, proxy_cpu, busy, _ = place_calls(port, calls, plays, site.spare_port(), work / "calls", site.pids(),
                                                       site.kamailio.pid if site.kamailio else None)
            time.sleep(2)  # the last records written
        finally:
            site.stop()
        for index in range(workers):
            trouble = [text for text in site.log_tail(f"worker{index}.log", 1_000_000).splitlines() if " ERROR " in text or " WARNING " in text]
            for text in trouble[:5]:
                print(f"worker {index}: {text}", file=sys.stderr)
        kept, outcomes = asyncio.run(messages(database_url))
    where = f"{workers} workers behind Kamailio" if behind_proxy else "1 worker, direct"
    return Row(f"gateway sip, {where}, {calls} calls", calls, len(lat), len(kept), statistics.mean(kept) if kept else 0.0,
               lat, cpu, proxy_cpu, busy, outcomes)


def line(row: Row, floor_row: Row) -> str:
    lat = row.latencies_ms or [float("nan")]
    p50 = statistics.median(lat)
    ratio_lat = p50 / statistics.median(floor_row.latencies_ms) if floor_row.latencies_ms else float("nan")
    ratio_cpu = row.cpu_per_call / floor_row.cpu_per_call if floor_row.cpu_per_call else float("nan")
    return (f"| {row.name} | {row.answered}/{row.calls} | {row.kept} | {row.recorded_s:.1f} | {p50:.1f} | {max(lat):.1f} | {ratio_lat:.2f} | "
            f"{row.cpu_per_call:.2f} | {ratio_cpu:.2f} | {row.proxy_cpu:.1f} | {row.machine_busy:.0f} | {row.outcomes or '-'} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plays", type=int, default=4, help="7.1 s of speech this many times per call (at least 3)")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 5, 10], help="worker counts to run behind Kamailio")
    args = parser.parse_args()
    if args.plays * SPEECH_SECONDS < PROMPT_SECONDS + 2:
        parser.error("calls must outlast the prompts: --plays 3 or more")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-sip-") as tmp:
        work = Path(tmp)
        base = floor(CALLS_PER_WORKER, args.plays, work / "floor")
        rows.append(base)
        with redis_server(work) as redis_url:
            rows.append(site_row(1, args.plays, work / "one", redis_url, behind_proxy=False))
            for count in args.workers:
                rows.append(site_row(count, args.plays, work / f"site-{count}", redis_url, behind_proxy=True))
    print(f"calls of {args.plays * SPEECH_SECONDS:.1f} s (prompts {PROMPT_SECONDS} s, then recording); {os.cpu_count()} cores\n")
    print("| setup | answered | messages kept | mean message s | INVITE→200 p50 ms | max ms | p50 ratio to bare | "
          "CPU % of a core per call | ratio to bare | proxy CPU % | machine busy % | calls ended |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(line(row, base))


if __name__ == "__main__":
    main()
