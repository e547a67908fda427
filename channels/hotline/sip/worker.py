"""The `gateway sip --index N` process: one SIP engine (at most 4 calls), a flow per call, call records and events."""
from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import signal
import socket
import tempfile
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from channels.hotline.sip import engine as sip
from channels.hotline.sip.desk import CallDesk, announce, call_event
from channels.hotline.sip.flows import HungUp, answer_call, service_spans
from channels.hotline.sip.port import SipPort, context_headers
from channels.hotline.sip.prompts import Prompts
from channels.hotline.sip.transcribe import Transcriber, load_transcriber
from gateway.calls import HEARTBEAT_SECONDS, worker_heartbeat
from gateway.media import MediaStore
from gateway.queueing import redis_connection
from gateway.settings import HotlineLine, Settings
from gateway.store.clock import utcnow
from gateway.store.engine import create_engine
from gateway.store.store import Store

log = logging.getLogger(__name__)
REDIS_TIMEOUT_SECONDS = 2.0
"""Publishing an event waits no longer than this on an unreachable Redis (the call goes on)."""
SHUTDOWN_GRACE_SECONDS = 5.0
"""After hanging up every call at shutdown, how long their records may take to be written."""


def worker_ports(settings: Settings, index: int) -> tuple[int, int]:
    """SIP port and first RTP port of worker `index`."""
    return settings.sip.port + 2 * index, settings.sip.rtp_port + 100 * index


def engine_config(settings: Settings, index: int) -> sip.EngineConfig:
    s = settings.sip
    port, rtp_port = worker_ports(settings, index)
    return sip.EngineConfig(bind_address=s.bind_address, public_address=s.public_address or s.bind_address, port=port,
                            rtp_port=rtp_port, registrar=s.registrar, registrar_fallback=s.registrar_fallback,
                            username=s.username, password=s.password, realm=s.realm, register_seconds=s.register_seconds)


class SipWorker:
    """Routes engine events to calls and runs each call's flow to its end."""

    def __init__(self, settings: Settings, index: int, store: Store, redis: Redis | None, recordings: Path,
                 transcriber: Transcriber | None) -> None:
        self.settings, self.index, self.store, self.redis, self.recordings = settings, index, store, redis, recordings
        self.transcriber = transcriber
        self.name = f"{socket.gethostname()}:sip-{index}"
        self.media = MediaStore(settings.media_dir)
        self.prompts = Prompts(settings.sip.prompts_dir)
        self.prompts.check(Prompts.names())
        service_spans(settings.sip.service_hours)
        self.lines: dict[str, HotlineLine] = {line.number: line for line in settings.sip.lines}
        self.legs: dict[int, SipPort] = {}
        self.calls: set[asyncio.Task[None]] = set()
        self.background: set[asyncio.Task[None]] = set()
        self.engine: sip.SipEngine | None = None
        self.closing = False

    async def run(self, stop: asyncio.Event) -> None:
        """Record calls a previous run left open as dropped, serve until `stop`, then shut down cleanly."""
        await self._drop_leftovers()
        beating = asyncio.create_task(self._beat(stop))
        self.engine = sip.SipEngine(engine_config(self.settings, self.index), self.on_event, asyncio.get_running_loop())
        await asyncio.to_thread(self.engine.start)
        port, _ = worker_ports(self.settings, self.index)
        log.info("SIP worker %s listening on %s:%s for lines %s", self.name, self.settings.sip.bind_address, port, ", ".join(self.lines))
        try:
            await stop.wait()
        finally:
            await self._shutdown()
            await beating

    def on_event(self, event: sip.EngineEvent) -> None:
        if isinstance(event, sip.Incoming) and self.closing:
            engine = self.engine
            assert engine is not None
            engine.submit(lambda: engine.hangup(event.key, 503))
        elif isinstance(event, sip.Incoming):
            task = asyncio.create_task(self.take_call(event))
            self.calls.add(task)
            task.add_done_callback(self.calls.discard)
        elif isinstance(event, sip.Registration):
            level = logging.INFO if event.code // 100 == 2 else logging.WARNING
            log.log(level, "registration with %s: %s %s (expires %s s)", event.registrar, event.code, event.reason, event.expires)
        elif event.key in self.legs:
            self.legs[event.key].handle(event)

    async def take_call(self, event: sip.Incoming) -> None:
        assert self.engine is not None
        engine = self.engine
        line = self.lines.get(event.line)
        if line is None:
            log.warning("call %s to unknown line %r refused", event.sip_call_id, event.line)
            await engine.submit(lambda: engine.hangup(event.key, 404))
            return
        language = "en" if line.language == "en" else "zh"
        port = SipPort(engine, event.key, self.prompts, self.recordings, language, self.legs)
        self.legs[event.key] = port
        try:
            row = await self.store.call_started("sip", event.sip_call_id, line=line.number, caller=event.caller, language=language, worker=self.name)
        except Exception:
            log.exception("call %s refused (503): its record cannot be written", event.sip_call_id)
            port.forget()
            await engine.submit(lambda: engine.hangup(event.key, 503))
            return
        port.caller, port.context = event.caller, context_headers(row.id, line.number)
        desk = CallDesk(self.store, self.media, self.redis, row, self.name, self.transcriber, self.background)
        desk.publish("ringing")
        outcome: str = "failed"
        try:
            await port.answer()
            await desk.answered()
            outcome = await answer_call(port, desk, line, self.settings.sip, utcnow())
        except HungUp:
            outcome = desk.reached
        except Exception:
            log.exception("call %s failed", row.id)
        finally:
            try:
                await port.hangup()
            finally:
                port.forget()
                desk.language = port.language
                await desk.ended(outcome, port.digit_methods)

    async def _beat(self, stop: asyncio.Event) -> None:
        """Tell the gateway this worker lives (its calls are recorded as dropped once it stops beating)."""
        while not stop.is_set():
            if self.redis is not None:
                try:
                    await asyncio.to_thread(worker_heartbeat, self.redis, self.name, len(self.calls))
                except RedisError as exc:
                    log.warning("heartbeat not sent: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)

    async def _drop_leftovers(self) -> None:
        for call_id in await self.store.calls_dropped(self.name):
            row = await self.store.call(call_id)
            if row is not None:
                announce(self.redis, call_event("dropped", row, self.name))
            log.warning("call %s was still open when this worker last stopped: recorded as dropped", call_id)

    async def _shutdown(self) -> None:
        """Hang up every call, let their flows write their records, then stop the engine (PJSUA2's own order)."""
        engine = self.engine
        if engine is None:
            return
        self.closing = True
        for port in set(self.legs.values()):
            await port.hangup()
        if self.calls:
            await asyncio.wait(set(self.calls), timeout=SHUTDOWN_GRACE_SECONDS)
        if self.background:
            await asyncio.wait(set(self.background), timeout=SHUTDOWN_GRACE_SECONDS)
        await asyncio.to_thread(engine.stop)


async def serve(settings: Settings, index: int) -> None:
    """Run worker `index` until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    store = Store(create_engine(settings.database_url))
    redis = redis_connection(settings, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                             health_check_interval=0) if settings.redis_configured else None
    if redis is None:
        log.warning("no redis_url nor redis_sentinels: call events are not published (agents' screens will not see SIP calls)")
    try:
        with tempfile.TemporaryDirectory(prefix="sip-recordings-") as recordings:
            worker = SipWorker(settings, index, store, redis, Path(recordings), load_transcriber(settings.sip.transcriber))
            await worker.run(stop)
    finally:
        if redis is not None:
            redis.close()
        await store.close()


def main(settings: Settings, index: int) -> int:
    faulthandler.enable()  # a crash inside PJSUA2 leaves every thread's Python stack in the log
    try:
        asyncio.run(serve(settings, index))
    except sip.EngineStartError as exc:
        log.error("SIP worker %s cannot start: %s", index, exc)
        return 1
    return 0
