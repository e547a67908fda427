"""The children of `gateway dev` (serve, worker, SIP workers), each restarted with a back-off when it dies."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

log = logging.getLogger("gateway")
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
STABLE_SECONDS = 60.0  # a child that ran this long before dying starts the back-off over
STOP_SECONDS = 30.0


def describe(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def _set_foreground(tty: int, group: int) -> None:
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a process outside the foreground may change it only so
    try:
        os.tcsetpgrp(tty, group)
    finally:
        signal.signal(signal.SIGTTOU, previous)


@contextmanager
def terminal_to_ourselves() -> Iterator[None]:
    """While inside, Ctrl-C on the controlling terminal reaches this process alone (its children are in groups of their
    own): a `make run` around it sees a clean exit, not an interrupt. Nothing changes without a terminal, or when this
    process does not have it in the foreground."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        yield
        return
    try:
        previous = os.tcgetpgrp(tty)
        if previous != os.getpgrp():
            yield
            return
        if os.getpgrp() != os.getpid():
            os.setpgid(0, 0)
        _set_foreground(tty, os.getpgrp())
        try:
            yield
        finally:
            _set_foreground(tty, previous)
    finally:
        os.close(tty)


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None

    def start(self) -> None:
        """In a process group of its own: Ctrl-C reaches only the supervisor, which stops each child once."""
        self.process = subprocess.Popen(self.argv, env=self.env, process_group=0)
        self.started_at, self.restart_at = time.monotonic(), None
        log.info("started %s (pid %d)", self.name, self.process.pid)


@dataclass
class Supervisor:
    """Starts every child, restarts the ones that die (1 s, 2 s, 4 s … up to 30 s), stops them all on request."""

    children: list[Child] = field(default_factory=list)
    stopping: bool = False

    def add(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.children.append(Child(name, argv, env))

    def stop(self, *_: object) -> None:
        """Signal handler: stop restarting and terminate every child."""
        self.stopping = True
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.terminate()

    def start(self) -> None:
        for child in self.children:
            child.start()

    def watch(self, poll_seconds: float = 0.2) -> int:
        """Until stopped; then the worst abnormal exit of a child while stopping (0 when all stopped cleanly)."""
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                if child.process is None:
                    if child.restart_at is not None and now >= child.restart_at and not self.stopping:
                        child.start()
                    continue
                code = child.process.poll()
                if code is None:
                    continue
                ran = now - child.started_at
                child.failures = 1 if ran >= STABLE_SECONDS else child.failures + 1
                delay = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** (child.failures - 1))
                log.warning("%s (pid %d) stopped (%s) after %.0f s; restarting it in %.0f s", child.name, child.process.pid,
                            describe(code), ran, delay)
                child.process, child.restart_at = None, now + delay
            time.sleep(poll_seconds)
        return self._wait_all()

    def _wait_all(self) -> int:
        codes = []
        for child in self.children:
            if child.process is None:
                continue
            try:
                codes.append(child.process.wait(timeout=STOP_SECONDS))
            except subprocess.TimeoutExpired:
                log.error("%s (pid %d) did not stop within %.0f s: killed", child.name, child.process.pid, STOP_SECONDS)
                child.process.kill()
                codes.append(child.process.wait())
        return max((abs(c) for c in codes if c not in (0, -signal.SIGTERM, -signal.SIGINT)), default=0)
