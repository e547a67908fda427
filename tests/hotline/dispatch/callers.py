"""Callers on loopback for the dispatch tests: sipp scenarios, a baresip phone driven over its console port, raw SIP datagrams."""
from __future__ import annotations

import re
import socket
import subprocess
import time
import uuid
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = REPO / "tests" / "support" / "sipp"
HOST = "127.0.0.1"


def sipp(scenario: str, port: int, *, line: str, calls: int, hold_ms: int, local_port: int, work: Path,
         variables: dict[str, str] | None = None, extra: tuple[str, ...] = ()) -> subprocess.Popen[bytes]:
    """Start sipp placing `calls` calls at once to `line` at HOST:port with a scenario of tests/support/sipp.

    sipp takes `local_port` for SIP and `local_port + 2` on for media."""
    work.mkdir(parents=True, exist_ok=True)
    settings = [arg for name, value in (variables or {}).items() for arg in ("-set", name, value)]
    return subprocess.Popen(
        ["sipp", "-sf", str(SCENARIOS / scenario), "-s", line, f"{HOST}:{port}", "-i", HOST, "-p", str(local_port), "-mp", str(local_port + 2),
         "-m", str(calls), "-l", str(calls), "-r", str(calls), "-rp", "1000", "-d", str(hold_ms),
         "-timeout", "90", "-timeout_error", "-nostdin", "-trace_err", *settings, *extra],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def finished(run: subprocess.Popen[bytes], work: Path, timeout: float = 90) -> tuple[int, str]:
    """sipp's exit status (0: every call went as its scenario says) and what it logged as errors."""
    try:
        run.wait(timeout=timeout)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    errors = "".join(path.read_text(errors="replace") for path in sorted(work.glob("*_errors.log")))
    stderr = run.stderr.read().decode(errors="replace") if run.stderr else ""
    return run.returncode, errors + stderr


def send(port: int, datagram: bytes) -> None:
    """One UDP datagram, whatever it holds, expecting nothing back."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(datagram, (HOST, port))


def request(port: int, text: str, timeout: float = 2.0, acknowledge: bool = False) -> list[str]:
    """Send one SIP request (`{local}` stands for the port it leaves from); the status lines of every response
    until a final one (or silence). With `acknowledge`, a final non-2xx answer to an INVITE is acknowledged."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        sock.settimeout(timeout)
        local = str(sock.getsockname()[1])
        sock.sendto(text.replace("{local}", local).encode(), (HOST, port))
        statuses: list[str] = []
        reply = ""
        try:
            while not statuses or statuses[-1].split()[1].startswith("1"):
                reply = sock.recv(65535).decode(errors="replace")
                statuses.append(reply.split("\r\n", 1)[0])
        except TimeoutError:
            return statuses
        if acknowledge and not statuses[-1].split()[1].startswith("2"):
            to = re.search(r"^To: .*$", reply, re.M | re.I)
            ack = re.sub(r"^To: .*$", to.group(0) if to else "", text.split("\r\n\r\n", 1)[0], count=1, flags=re.M)
            ack = re.sub(r"^INVITE ", "ACK ", ack).replace(" INVITE\r\n", " ACK\r\n")
            ack = re.sub(r"^Content-(Type|Length): .*\r\n?", "", ack + "\r\n", flags=re.M) + "Content-Length: 0\r\n\r\n"
            sock.sendto(ack.replace("{local}", local).encode(), (HOST, port))
        return statuses


def headers(method: str, port: int, call_id: str, cseq: int = 1, user: str = "") -> str:
    target = f"sip:{user + '@' if user else ''}{HOST}:{port}"
    return (f"{method} {target} SIP/2.0\r\nVia: SIP/2.0/UDP {HOST}:{{local}};branch=z9hG4bK{call_id}{cseq}\r\n"
            f"From: <sip:tester@{HOST}:{{local}}>;tag=t{call_id[:8]}\r\nTo: <{target}>\r\nCall-ID: {call_id}\r\n"
            f"CSeq: {cseq} {method}\r\nContact: <sip:tester@{HOST}:{{local}}>\r\nMax-Forwards: 70\r\n")


def options(port: int) -> int | None:
    """The status code an OPTIONS gets, or None when nothing answers."""
    statuses = request(port, headers("OPTIONS", port, uuid.uuid4().hex) + "Content-Length: 0\r\n\r\n", timeout=0.5)
    return int(statuses[-1].split()[1]) if statuses else None


def wait_answering(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while options(port) != 200:
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing answers OPTIONS on {HOST}:{port}")


def invite_with_sdp(port: int, line: str, sdp: str) -> list[str]:
    """An INVITE carrying `sdp` as its body; the status lines it got (a final non-2xx is acknowledged)."""
    text = headers("INVITE", port, uuid.uuid4().hex, user=line) + f"Content-Type: application/sdp\r\nContent-Length: {len(sdp.encode())}\r\n\r\n{sdp}"
    return request(port, text, timeout=3, acknowledge=True)


DTMF_ROWS = {"1": 697, "2": 697, "3": 697, "4": 770, "5": 770, "6": 770, "7": 852, "8": 852, "9": 852, "*": 941, "0": 941, "#": 941}
DTMF_COLUMNS = {"1": 1209, "4": 1209, "7": 1209, "*": 1209, "2": 1336, "5": 1336, "8": 1336, "0": 1336, "3": 1477, "6": 1477, "9": 1477, "#": 1477}
RATE = 8000


def audio(path: Path, *, keys: str = "", lead: float = 0.0, tone: float = 0.15, gap: float = 0.35, tail: float = 120.0) -> Path:
    """A mono 8 kHz 16-bit WAV: `lead` s of silence, each key as its DTMF tone pair (`tone` s, then `gap` s of
    silence), then `tail` s of silence. Without keys: what a phone sends while its caller listens."""
    def quiet(seconds: float) -> np.ndarray:
        return np.zeros(int(RATE * seconds))

    t = np.arange(int(RATE * tone)) / RATE
    parts = [quiet(lead)]
    for key in keys:
        parts += [0.35 * (np.sin(2 * np.pi * DTMF_ROWS[key] * t) + np.sin(2 * np.pi * DTMF_COLUMNS[key] * t)), quiet(gap)]
    parts.append(quiet(tail))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.concatenate(parts) * 32767).astype("<i2").tobytes())
    return path


class Baresip:
    """A baresip phone (keys as RFC 2833 events, or in-band in the WAV it sends) whose console module takes commands as UDP datagrams."""

    def __init__(self, work: Path, sip_port: int, console_port: int, rtp_ports: tuple[int, int], *, user: str = "caller",
                 source: Path | None = None) -> None:
        """`user`: who calls (sip:user@HOST); `source`: the WAV the phone sends from the moment the call is up (default: silence)."""
        self.work, self.console_port = work, console_port
        work.mkdir(parents=True, exist_ok=True)
        source = source or audio(work / "silence.wav")
        (work / "accounts").write_text(f"<sip:{user}@{HOST}>;regint=0\n")
        (work / "config").write_text("\n".join([
            "poll_method epoll", f"sip_listen {HOST}:{sip_port}", f"audio_source aufile,{source}",
            f"audio_player aufile,{work / 'heard.wav'}", f"audio_alert aufile,{work / 'alert.wav'}",
            f"rtp_ports {rtp_ports[0]}-{rtp_ports[1]}", "module_path /usr/lib/baresip/modules",
            *(f"module {name}.so" for name in ("g711", "aufile", "account", "menu", "cons")),
            f"cons_listen {HOST}:{console_port}", "",
        ]))
        self.log = work / "baresip.log"

    @contextmanager
    def running(self) -> Iterator[Baresip]:
        with self.log.open("wb") as log:
            proc = subprocess.Popen(["baresip", "-f", str(self.work)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                self.wait_for("baresip is ready")
                yield self
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    def command(self, text: str) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(f"{text}\n".encode(), (HOST, self.console_port))

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise AssertionError(f"baresip never said {text!r}:\n{self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.05)

    def keys(self, digits: str, gap: float = 0.3) -> None:
        """Key digits one by one (sent as RFC 2833 telephone events)."""
        for digit in digits:
            self.command(f"/sndcode {digit}")
            time.sleep(gap)
