"""One caller's leg on the SIP engine, as the `CallPort` the flows speak to."""
from __future__ import annotations

import asyncio
import logging
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from channels.hotline.sip import engine as sip
from channels.hotline.sip.flows import ASK_SECONDS, HungUp, Lang, Recorded
from channels.hotline.sip.prompts import Prompts

log = logging.getLogger(__name__)
T = TypeVar("T")
SPEECH_LEVEL = 5
"""Receive level (0-255) above which the caller is taken to be speaking."""
POLL_SECONDS = 0.1
WAV_SETTLE_SECONDS = 0.25
"""The recorder writes its WAV header about a frame after it is dropped."""


CALL_HEADER, LINE_HEADER, LANGUAGE_HEADER = "X-Gateway-Call-Id", "X-Gateway-Line", "X-Gateway-Language"


def context_headers(call_id: int, line: str) -> dict[str, str]:
    """The agent leg's case context: the call id the console's screen pop (call event `handed_off`) carries, and the line."""
    return {CALL_HEADER: str(call_id), LINE_HEADER: line}


class SipPort:
    """Keys, prompts, recording and hand-off of one incoming call; engine events arrive through `handle`."""

    def __init__(self, engine: sip.SipEngine, key: int, prompts: Prompts, recordings: Path, language: Lang,
                 legs: dict[int, SipPort]) -> None:
        """`legs` routes engine events by call key: this port registers the agent leg it dials there."""
        self.engine, self.key, self.prompts, self.recordings, self.legs = engine, key, prompts, recordings, legs
        self.language: Lang = language
        self.digits: list[str] = []
        self.digit_methods: set[str] = set()
        self.media_ready = False
        self.hung_up = False
        self.done_tokens: set[int] = set()
        self.agent: int | None = None
        self.agent_state: dict[str, bool] = {}
        self.changed = asyncio.Event()
        self.caller: str | None = None
        self.context: dict[str, str] = {}
        """What the agent's phone is told besides the caller's number: `context_headers` of the call."""

    # ---- events from the engine ----

    def handle(self, event: sip.EngineEvent) -> None:
        if isinstance(event, sip.Digit):
            self.digits.append(event.digit)
            self.digit_methods.add(event.method)
        elif isinstance(event, sip.PlayDone):
            self.done_tokens.add(event.token)
        elif isinstance(event, sip.MediaReady):
            if event.key == self.key:
                self.media_ready = True
            else:
                self.agent_state["media"] = True
        elif isinstance(event, sip.Confirmed) and event.key == self.agent:
            self.agent_state["confirmed"] = True
        elif isinstance(event, sip.Disconnected):
            if event.key == self.key:
                self.hung_up = True
            else:
                self.agent_state["gone"] = True
        self.changed.set()

    # ---- CallPort ----

    async def play(self, names: list[str]) -> None:
        await self._play(names, barge_in=False)
        self.digits.clear()

    async def ask(self, names: list[str], *, max_digits: int, timeout: float = ASK_SECONDS) -> str:
        """Keys typed ahead (9 and the case number in one go, before the next prompt starts) answer it."""
        await self._play(names, barge_in=True)
        typed = ""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(typed) < max_digits:
            if self.digits:
                key = self.digits.pop(0)
                if key == "#":
                    break
                typed += key
                deadline = asyncio.get_running_loop().time() + timeout
                continue
            if not await self._wait_until(deadline):
                break
        return typed

    async def record(self, *, max_seconds: float, silence_seconds: float) -> Recorded:
        self._alive()
        self.digits.clear()
        self.recordings.mkdir(parents=True, exist_ok=True)
        path = self.recordings / f"call-{self.key}-{id(self)}.wav"
        await self._on_engine(lambda: self.engine.record(self.key, path))
        loop = asyncio.get_running_loop()
        started = last_speech = loop.time()
        ended_by = "max"
        while loop.time() - started < max_seconds:
            if self.hung_up:
                ended_by = "hangup"
                break
            if "#" in self.digits:
                ended_by = "key"
                del self.digits[:self.digits.index("#") + 1]
                break
            try:
                level = await self._on_engine(lambda: self.engine.caller_level(self.key))
            except HungUp:
                ended_by = "hangup"
                break
            if level > SPEECH_LEVEL:
                last_speech = loop.time()
            elif loop.time() - last_speech >= silence_seconds:
                ended_by = "silence"
                break
            await self._wait_until(loop.time() + POLL_SECONDS)
        if not self.hung_up:
            await self._on_engine(lambda: self.engine.stop_recording(self.key))
        await asyncio.sleep(WAV_SETTLE_SECONDS)
        return Recorded(path, wav_seconds(path), ended_by)

    async def hand_off(self, agent_uri: str, timeout: float) -> bool:
        self._alive()
        self.agent_state = {}
        try:
            headers = self.context | {LANGUAGE_HEADER: self.language}
            self.agent = await self._on_engine(lambda: self.engine.dial(agent_uri, self.caller, headers))
        except sip.DialFailed as exc:
            log.warning("agents at %s cannot be called: %s", agent_uri, exc)
            return False
        self.legs[self.agent] = self
        deadline = asyncio.get_running_loop().time() + timeout
        while not (self.agent_state.get("confirmed") and self.agent_state.get("media")):
            if self.hung_up or self.agent_state.get("gone") or not await self._wait_until(deadline):
                await self._end_agent()
                self._alive()
                return False
        agent = self.agent
        try:
            await self._on_engine(lambda: self.engine.bridge(self.key, agent))
        except sip.CallGone:
            self.agent_state["gone"] = True
            return False
        return True

    async def converse(self) -> None:
        while not (self.hung_up or self.agent_state.get("gone")):
            await self._wait_until(None)
        await self._end_agent()
        await self.hangup()

    # ---- the rest, for the worker ----

    async def answer(self) -> None:
        """200 OK; returns once audio flows (HungUp if the caller leaves first)."""
        await self._on_engine(lambda: self.engine.answer(self.key))
        while not self.media_ready:
            self._alive()
            await self._wait_until(None)
        await self._on_engine(lambda: self.engine.listen_inband(self.key))

    async def hangup(self) -> None:
        if not self.hung_up:
            await self._on_engine(lambda: self.engine.hangup(self.key))

    def forget(self) -> None:
        """Stop receiving engine events (the call is over)."""
        for key in (self.key, self.agent):
            if key is not None and self.legs.get(key) is self:
                del self.legs[key]

    # ---- helpers ----

    async def _play(self, names: list[str], *, barge_in: bool) -> None:
        self._alive()
        paths = [self.prompts.path(self.language, name) for name in names]
        token = await self._on_engine(lambda: self.engine.play(self.key, paths))
        while token not in self.done_tokens:
            self._alive()
            if barge_in and self.digits:
                break
            await self._wait_until(None)
        self.done_tokens.discard(token)
        self._alive()
        await self._on_engine(lambda: self.engine.stop_playing(self.key))

    async def _end_agent(self) -> None:
        agent = self.agent
        if agent is not None and not self.agent_state.get("gone"):
            await self._on_engine(lambda: self.engine.hangup(agent))

    async def _on_engine(self, fn: Callable[[], T]) -> T:
        """Run fn on the engine thread; HungUp when the call ended before the event saying so arrived."""
        try:
            return await self.engine.submit(fn)
        except sip.CallGone as gone:
            if gone.args != (self.key,):
                raise
            self.hung_up = True
            raise HungUp from None

    async def _wait_until(self, deadline: float | None) -> bool:
        """Wait for the next event (or the deadline); False once the deadline has passed."""
        loop = asyncio.get_running_loop()
        if deadline is not None and loop.time() >= deadline:
            return False
        self.changed.clear()
        try:
            await asyncio.wait_for(self.changed.wait(), None if deadline is None else deadline - loop.time())
        except TimeoutError:
            return False
        return True

    def _alive(self) -> None:
        if self.hung_up:
            raise HungUp


def wav_seconds(path: Path) -> float:
    """Length of a WAV file; 0 when it is missing or has no valid header."""
    try:
        with wave.open(str(path)) as w:
            return w.getnframes() / float(w.getframerate())
    except (FileNotFoundError, wave.Error, EOFError):
        return 0.0
