"""PJSUA2 in one dedicated thread, bridged to asyncio: commands go in through a queue drained by that thread,
events come out to the event loop with `call_soon_threadsafe`.

Every PJSUA2 object is created, used and dropped on the engine thread only (any other thread aborts the process).
"""
from __future__ import annotations

import asyncio
import functools
import gc
import logging
import queue
import re
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pjsua2 as pj

from channels.hotline.sip.inband import DtmfDetector

log = logging.getLogger(__name__)
T = TypeVar("T")
RETIRE_SECONDS = 0.2
MAX_CALLS = 4
"""PJSUA_MAX_CALLS of the wheel: the fifth INVITE is answered 486 by PJSUA itself."""


class EngineStartError(RuntimeError):
    """PJSUA2 could not start (a port in use, an address not on this host, …)."""


class DialFailed(Exception):
    """An outgoing call could not even start (a malformed URI, no route)."""


class CallGone(Exception):
    """A command named a call that has ended meanwhile."""


@dataclass(frozen=True)
class EngineConfig:
    bind_address: str
    public_address: str
    port: int
    rtp_port: int
    registrar: str | None = None
    registrar_fallback: str | None = None
    username: str | None = None
    password: str | None = None
    realm: str = "*"
    register_seconds: int = 300
    user_agent: str = "intake-gateway"


@dataclass(frozen=True)
class Incoming:
    """A new INVITE: `key` names the call from now on; `line` is the user part of the request URI."""

    key: int
    sip_call_id: str
    line: str
    caller: str | None


@dataclass(frozen=True)
class MediaReady:
    key: int


@dataclass(frozen=True)
class Confirmed:
    """An outgoing call (the agent leg) was answered."""

    key: int


@dataclass(frozen=True)
class Digit:
    key: int
    digit: str
    method: str
    """rfc2833, sip_info or inband"""


@dataclass(frozen=True)
class PlayDone:
    key: int
    token: int


@dataclass(frozen=True)
class Disconnected:
    key: int
    code: int
    reason: str


@dataclass(frozen=True)
class Registration:
    registrar: str
    code: int
    reason: str
    expires: int


EngineEvent = Incoming | MediaReady | Confirmed | Digit | PlayDone | Disconnected | Registration

_DTMF_METHODS = {pj.PJSUA_DTMF_METHOD_RFC2833: "rfc2833", pj.PJSUA_DTMF_METHOD_SIP_INFO: "sip_info"}
_STOP = object()


def user_part(uri: str) -> str | None:
    """'sip:12319@host;x=y' or '"Name" <sip:1380@host>' -> '12319' / '1380'; None without a user."""
    inner = uri.split("<", 1)[1].split(">", 1)[0] if "<" in uri else uri
    inner = inner.split(":", 1)[1] if ":" in inner else inner
    user, at, _ = inner.partition("@")
    return user.split(";", 1)[0] or None if at else None


_IDENTITY = re.compile(r"\+?[0-9A-Za-z*#._~-]{1,64}")


def caller_identity(caller: str | None) -> str | None:
    """The caller's number as it may go into another call's From and P-Asserted-Identity, or None (anonymous,
    or anything that is not a plain number or user name)."""
    if caller is None or caller.lower() in ("anonymous", "unknown") or not _IDENTITY.fullmatch(caller):
        return None
    return caller


def host_port(uri: str) -> str:
    """'sip:10.0.0.1:5080;transport=udp' -> '10.0.0.1:5080' (port 5060 when none is given)."""
    hostport = uri.split(":", 1)[1] if uri.startswith("sip:") else uri
    hostport = hostport.split(";", 1)[0].split("@")[-1]
    return hostport if ":" in hostport else f"{hostport}:5060"


def request_uri(whole_message: str) -> str:
    """The request URI of an INVITE's request line."""
    parts = whole_message.split("\r\n", 1)[0].split(" ")
    return parts[1] if len(parts) == 3 else ""


def _guarded(callback: Callable[..., None]) -> Callable[..., None]:
    """PJSUA2 calls these from C: an exception escaping one would take the process, and every call on it, down."""

    @functools.wraps(callback)
    def run(self: Any, *args: Any) -> None:
        try:
            callback(self, *args)
        except Exception:
            log.exception("SIP callback %s failed", callback.__name__)

    return run


class _Call(pj.Call):
    def __init__(self, engine: SipEngine, account: pj.Account, key: int, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, call_id)
        self.engine, self.key = engine, key
        self.media_up = False

    @_guarded
    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        ci = self.getInfo()
        if ci.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.engine.post(Confirmed(self.key))
        elif ci.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.engine.call_ended(self.key, ci.lastStatusCode, ci.lastReason)

    @_guarded
    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        ci = self.getInfo()
        active = any(m.type == pj.PJMEDIA_TYPE_AUDIO and m.status == pj.PJSUA_CALL_MEDIA_ACTIVE for m in ci.media)
        if active and not self.media_up:
            self.media_up = True
            self.engine.media_up(self.key)

    @_guarded
    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self.engine.post(Digit(self.key, prm.digit, _DTMF_METHODS.get(prm.method, "rfc2833")))


class _Player(pj.AudioMediaPlayer):
    """A playlist whose end is reported as PlayDone (onEof2 runs on the media clock thread: it only posts)."""

    def __init__(self, engine: SipEngine, key: int, token: int) -> None:
        super().__init__()
        self.engine, self.key, self.token = engine, key, token

    @_guarded
    def onEof2(self) -> None:
        self.engine.post(PlayDone(self.key, self.token))


class _InbandPort(pj.AudioMediaPort):
    """Receives the caller's audio from the conference bridge and reports in-band DTMF tones."""

    def __init__(self, engine: SipEngine, key: int) -> None:
        super().__init__()
        self.engine, self.key = engine, key
        self.detector = DtmfDetector()

    @_guarded
    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO or frame.size == 0:
            return
        samples = np.frombuffer(bytes(frame.buf), dtype="<i2")
        for digit in self.detector.feed(samples):
            self.engine.post(Digit(self.key, digit, "inband"))

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        frame.type = pj.PJMEDIA_FRAME_TYPE_NONE


class _Account(pj.Account):
    def __init__(self, engine: SipEngine) -> None:
        super().__init__()
        self.engine = engine

    @_guarded
    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.engine.incoming(self, prm)

    @_guarded
    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        self.engine.registration_changed(prm.code, prm.reason, prm.expiration, prm.rdata.srcAddress)


@dataclass
class _Media:
    """What one call holds on the engine thread besides the Call itself."""

    player: _Player | None = None
    recorder: pj.AudioMediaRecorder | None = None
    inband: _InbandPort | None = None


class SipEngine:
    """One PJSUA2 endpoint with one account, run on its own thread; every method is called from the event loop."""

    def __init__(self, config: EngineConfig, on_event: Callable[[EngineEvent], None], loop: asyncio.AbstractEventLoop) -> None:
        self.config, self.on_event, self.loop = config, on_event, loop
        self.commands: queue.Queue[Any] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="pjsua2", daemon=True)
        self.ready = threading.Event()
        self.failure: EngineStartError | None = None
        self.calls: dict[int, _Call] = {}
        self.media: dict[int, _Media] = {}
        self.ended: list[int] = []
        self.retired: list[tuple[float, list[Any]]] = []  # ports with callbacks, dropped on this thread later
        self.next_key = 0
        self.next_token = 0
        self.registrar = config.registrar

    # ---- used from the event loop -------------------------------------------------------------

    def start(self) -> None:
        """Start the thread and wait until the endpoint listens (or raise what stopped it)."""
        self.thread.start()
        self.ready.wait()
        if self.failure is not None:
            raise self.failure

    def submit(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """Run fn on the engine thread; its result (or error) in a future of the loop."""
        future: asyncio.Future[T] = self.loop.create_future()
        self.commands.put((fn, future))
        return future

    def stop(self) -> None:
        """Hang up everything, shut PJSUA2 down in the order that does not abort, and join the thread."""
        self.commands.put(_STOP)
        self.thread.join()

    def post(self, event: EngineEvent) -> None:
        """From any thread: hand an event to the loop."""
        self.loop.call_soon_threadsafe(self.on_event, event)

    # ---- commands (engine thread) ----------------------------------------------------------------

    def answer(self, key: int, code: int = 200) -> None:
        call = self.calls.get(key)
        if call is None or not call.isActive():
            raise CallGone(key)
        prm = pj.CallOpParam()
        prm.statusCode = code
        call.answer(prm)

    def hangup(self, key: int, code: int = 0) -> None:
        """End a call (code: the answer to a call not yet answered, e.g. 404; 0 lets PJSUA choose)."""
        call = self.calls.get(key)
        if call is not None and call.isActive():
            prm = pj.CallOpParam()
            prm.statusCode = code
            call.hangup(prm)

    def play(self, key: int, paths: list[Path]) -> int:
        """Play files one after the other to the caller; a token that the PlayDone event carries."""
        self.stop_playing(key)
        self.next_token += 1
        player = _Player(self, key, self.next_token)
        files = pj.StringVector()
        for path in paths:
            files.append(str(path))
        player.createPlaylist(files, "prompt", pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(self._audio(key))
        self.media.setdefault(key, _Media()).player = player
        return self.next_token

    def stop_playing(self, key: int) -> None:
        media = self.media.get(key)
        if media is not None and media.player is not None:
            if self._has_audio(key):
                media.player.stopTransmit(self._audio(key))
            self._retire(media.player)
            media.player = None

    def record(self, key: int, path: Path) -> None:
        """Write what the caller says into a WAV file until stop_recording."""
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(str(path))
        self._audio(key).startTransmit(recorder)
        self.media.setdefault(key, _Media()).recorder = recorder

    def stop_recording(self, key: int) -> None:
        """Close the recorder (the WAV header follows about a frame later: pump before reading the file)."""
        media = self.media.get(key)
        if media is not None and media.recorder is not None:
            if self._has_audio(key):
                self._audio(key).stopTransmit(media.recorder)
            media.recorder = None

    def caller_level(self, key: int) -> int:
        """The level (0-255) of the audio now coming from the caller (what the call's port sends into the bridge,
        which PJSUA2 names its tx level)."""
        return int(self._audio(key).getTxLevel())

    def listen_inband(self, key: int) -> None:
        """Detect DTMF tones in the caller's audio as well."""
        port = _InbandPort(self, key)
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, 8000, 1, 20000, 16)
        port.createPort(f"inband{key}", fmt)
        self._audio(key).startTransmit(port)
        self.media.setdefault(key, _Media()).inband = port

    def dial(self, uri: str, caller: str | None = None, headers: Mapping[str, str] | None = None) -> int:
        """An outgoing call (the agent leg); its key. `caller`: the number the agent's phone shows (From and
        P-Asserted-Identity); `headers`: more header fields of the INVITE."""
        key = self._new_key()
        call = _Call(self, self.account, key)
        prm = pj.CallOpParam(True)
        fields = dict(headers or {})
        identity = caller_identity(caller)
        if identity is not None:
            asserted = f"sip:{identity}@{self.config.public_address}"
            prm.txOption.localUri = f'"{identity}" <{asserted}>'
            fields = {"P-Asserted-Identity": f"<{asserted}>"} | fields
        for name, value in fields.items():
            header = pj.SipHeader()
            header.hName, header.hValue = name, value
            prm.txOption.headers.append(header)
        try:
            call.makeCall(uri, prm)
        except pj.Error as exc:
            raise DialFailed(f"{uri}: {exc.info()}") from None
        self.calls[key] = call
        return key

    def bridge(self, a: int, b: int) -> None:
        """Connect two calls' audio both ways (and stop any prompt on either)."""
        self.stop_playing(a)
        self.stop_playing(b)
        audio_a, audio_b = self._audio(a), self._audio(b)
        audio_a.startTransmit(audio_b)
        audio_b.startTransmit(audio_a)

    # ---- callbacks (engine thread) ---------------------------------------------------------------

    def incoming(self, account: pj.Account, prm: pj.OnIncomingCallParam) -> None:
        key = self._new_key()
        call = _Call(self, account, key, prm.callId)
        self.calls[key] = call
        ci = call.getInfo()
        line = user_part(request_uri(prm.rdata.wholeMsg)) or user_part(ci.localUri) or ""
        ringing = pj.CallOpParam()
        ringing.statusCode = 180
        call.answer(ringing)
        self.post(Incoming(key, ci.callIdString, line, user_part(ci.remoteUri)))

    def media_up(self, key: int) -> None:
        self.post(MediaReady(key))

    def call_ended(self, key: int, code: int, reason: str) -> None:
        """Release the call's objects after this callback returns (never inside it)."""
        self.ended.append(key)
        self.post(Disconnected(key, code, reason))

    def registration_changed(self, code: int, reason: str, expires: int, source: str) -> None:
        """Report it; when the registrar in use fails (answers an error, or none came), move to the other one.

        An answer from the other registrar (the un-REGISTER sent to it when moving away) changes nothing."""
        registrar = self.registrar or ""
        self.post(Registration(registrar, code, reason, expires))
        from_current = not source or source == host_port(registrar)
        if code // 100 != 2 and from_current and self.config.registrar_fallback:
            self.registrar = self.config.registrar_fallback if self.registrar == self.config.registrar else self.config.registrar
            log.warning("registration with %s failed (%s %s); trying %s", registrar, code, reason, self.registrar)
            self.commands.put((self._modify_registrar, None))

    # ---- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._create()
        except BaseException as exc:  # reported to start(), which raises it
            self.failure = EngineStartError(exc.info() if isinstance(exc, pj.Error) else repr(exc))
            if hasattr(self, "ep"):
                self.ep.libDestroy()
                del self.ep
            self.ready.set()
            return
        self.ready.set()
        try:
            while True:
                self.ep.libHandleEvents(10)
                self._release_ended()
                self._bury()
                if self._drain() is _STOP:
                    break
        finally:
            self._destroy()

    def _drain(self) -> object | None:
        while True:
            try:
                item = self.commands.get_nowait()
            except queue.Empty:
                return None
            if item is _STOP:
                return _STOP
            fn, future = item
            try:
                result = fn()
            except Exception as exc:
                if future is None:
                    log.exception("SIP engine command failed")
                else:
                    self.loop.call_soon_threadsafe(_settle, future, None, _detached(exc))
                continue
            if future is not None:
                self.loop.call_soon_threadsafe(_settle, future, result, None)

    def _create(self) -> None:
        self.ep = pj.Endpoint()
        self.ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.uaConfig.maxCalls = MAX_CALLS
        cfg.uaConfig.userAgent = self.config.user_agent
        cfg.medConfig.clockRate = 8000
        cfg.medConfig.sndClockRate = 8000
        cfg.medConfig.noVad = True
        cfg.logConfig.level = 1
        cfg.logConfig.consoleLevel = 1
        self.ep.libInit(cfg)
        sip = pj.TransportConfig()
        sip.port = self.config.port
        sip.boundAddress = self.config.bind_address
        sip.publicAddress = self.config.public_address
        self.ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, sip)
        self.ep.libStart()
        self.ep.audDevManager().setNullDev()
        for codec in self.ep.codecEnum2():
            self.ep.codecSetPriority(codec.codecId, 0)
        self.ep.codecSetPriority("PCMU/8000", 255)
        self.ep.codecSetPriority("PCMA/8000", 254)
        self.account = _Account(self)
        self.account.create(self._account_config(), True)

    def _account_config(self) -> pj.AccountConfig:
        c = self.config
        acfg = pj.AccountConfig()
        if self.registrar and c.username:
            acfg.idUri = f"sip:{c.username}@{host_port(self.registrar)}"
            acfg.regConfig.registrarUri = self.registrar
            acfg.regConfig.timeoutSec = c.register_seconds
            acfg.regConfig.retryIntervalSec = 30
            acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", c.realm, c.username, 0, c.password or ""))
        else:
            acfg.idUri = f"sip:{c.public_address}:{c.port}"
            acfg.regConfig.registerOnAdd = False
        media = acfg.mediaConfig.transportConfig
        media.port = c.rtp_port
        media.portRange = 100
        media.boundAddress = c.bind_address
        media.publicAddress = c.public_address
        return acfg

    def _modify_registrar(self) -> None:
        self.account.modify(self._account_config())

    def _release_ended(self) -> None:
        while self.ended:
            key = self.ended.pop()
            media = self.media.pop(key, None)
            if media is not None:
                self._retire(media.player, media.inband)
            self.calls.pop(key, None)

    def _retire(self, *ports: pj.AudioMedia | None) -> None:
        """Keep ports with Python callbacks (a player's end of file, the in-band ear) a moment after they are cut off:
        the media clock thread may be inside their callback right now, and deleting them under it corrupts memory."""
        self.retired.append((time.monotonic() + RETIRE_SECONDS, [port for port in ports if port is not None]))

    def _bury(self) -> None:
        now = time.monotonic()
        self.retired = [(until, ports) for until, ports in self.retired if until > now]

    def _destroy(self) -> None:
        try:
            self.ep.hangupAllCalls()
            for _ in range(50):
                self.ep.libHandleEvents(10)
                self._release_ended()
                if not self.calls:
                    break
            self.media.clear()
            self.calls.clear()
            self.ep.libHandleEvents(int(RETIRE_SECONDS * 1000))
            self.retired.clear()
            gc.collect()
            self.account.shutdown()
            self.ep.libDestroy()
        finally:
            del self.ep

    def _has_audio(self, key: int) -> bool:
        call = self.calls.get(key)
        return call is not None and call.media_up and call.isActive() and call.hasMedia()

    def _audio(self, key: int) -> pj.AudioMedia:
        """The call's audio port; CallGone once the call has ended (the event loop may not know yet)."""
        if not self._has_audio(key):
            raise CallGone(key)
        return self.calls[key].getAudioMedia(-1)

    def _new_key(self) -> int:
        self.next_key += 1
        return self.next_key


def _detached(error: BaseException) -> BaseException:
    """The error without its tracebacks (its own and those of the errors it chains), dropped here on the engine thread.

    Their frames hold the command's PJSUA2 objects (a player made for a call that has just ended, an unmade Call):
    freed with the error on the event loop's thread, which PJSUA2 does not know, they take the process down. What
    the frames said is kept as a note."""
    if not isinstance(error, CallGone):
        error.add_note("on the SIP engine thread:\n" + "".join(traceback.format_tb(error.__traceback__)).rstrip())
    chained: list[BaseException] = [error]
    seen: set[int] = set()
    while chained:
        link = chained.pop()
        if id(link) not in seen:
            seen.add(id(link))
            link.__traceback__ = None
            chained += [e for e in (link.__cause__, link.__context__) if e is not None]
    return error


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
