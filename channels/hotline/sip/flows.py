"""What a caller hears and can do on a hotline line, over any telephone leg (`CallPort`) and any back office (`Desk`).

The complaint path is one step: greeting, then an agent (or voicemail when none answers in time, or outside
service hours). The only key on it is 9 during the greeting, for the status of a case; a shared number first
asks for the language (1 中文 / 2 English).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from gateway.settings import HotlineLine, SipSettings

Lang = Literal["zh", "en"]
Outcome = Literal["agent", "voicemail", "status", "abandoned"]
CHINA = ZoneInfo("Asia/Shanghai")
STATUS_KEY = "9"
CONSENT_KEY = "1"
LANGUAGE_KEYS: dict[str, Lang] = {"1": "zh", "2": "en"}
ASK_SECONDS = 6.0
"""How long a question waits for a key after its prompt ends (and between the keys of a number)."""


class HungUp(Exception):
    """The caller is gone."""


@dataclass(frozen=True)
class Recorded:
    """A caller's message on disk: how long it is and what ended it (key, silence, max, hangup)."""

    path: Path
    seconds: float
    ended_by: str


@dataclass(frozen=True)
class CaseStatusInfo:
    number: str
    status: str


class CallPort(Protocol):
    """One caller on the line. Every method raises HungUp once the caller is gone, except `record`."""

    language: Lang

    async def play(self, names: list[str]) -> None:
        """Play prompts to their end; keys pressed meanwhile are dropped."""

    async def ask(self, names: list[str], *, max_digits: int, timeout: float = ASK_SECONDS) -> str:
        """Play prompts until the first key, then collect up to max_digits keys ('#' ends early, not included)."""

    async def record(self, *, max_seconds: float, silence_seconds: float) -> Recorded:
        """Record the caller until '#', silence, max_seconds or hang-up."""

    async def hand_off(self, agent_uri: str, timeout: float) -> bool:
        """Ring the agent; True once connected to the caller, False when nobody answered within timeout."""

    async def converse(self) -> None:
        """Wait until the caller or the agent hangs up (and end the other leg)."""


class Desk(Protocol):
    """The back office a flow reports to: call records, events, the voicemail queue, cases."""

    async def offering(self, agent_uri: str, language: Lang) -> None:
        """The call goes to the agents' queue: the screen pop."""

    async def connected(self, agent_uri: str) -> None: ...

    async def recording(self) -> None:
        """The caller's message is being recorded."""

    async def voicemail(self, recorded: Recorded, language: Lang) -> int:
        """Keep the message in the voicemail queue; its id."""

    async def voicemail_consent(self, voicemail_id: int) -> None: ...

    async def case_status(self, number: str) -> CaseStatusInfo | None: ...

    async def case_consent(self, case: CaseStatusInfo) -> None: ...

    async def status_told(self, number: str, found: CaseStatusInfo | None) -> None:
        """A status lookup happened (found or not)."""


def digit_prompts(number: str) -> list[str]:
    return [f"digit_{d}" for d in number if d.isdigit()]


def service_spans(hours: list[str]) -> list[tuple[int, int]]:
    """'HH:MM-HH:MM' spans as minutes of the day (24:00 ends the day); ValueError on anything else."""
    spans = []
    for span in hours:
        try:
            start, end = (_minutes(part) for part in span.split("-"))
        except ValueError as exc:
            raise ValueError(f"sip.service_hours: {span!r} is not HH:MM-HH:MM ({exc})") from None
        spans.append((start, end))
    return spans


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(minutes) < 60 and 0 <= value <= 24 * 60):
        raise ValueError("out of range")
    return value


def in_service(hours: list[str], now: datetime) -> bool:
    """Whether China time `now` falls in one of the spans (a span may pass midnight)."""
    local = now.astimezone(CHINA)
    minute = local.hour * 60 + local.minute
    return any((start <= minute < end) if start <= end else (minute >= start or minute < end) for start, end in service_spans(hours))


def agent_for(line: HotlineLine, language: Lang, lines: list[HotlineLine]) -> str | None:
    """The line's agents; on a shared number, those of the line of the language chosen, when there is one."""
    if line.language == "choice":
        same = next((other for other in lines if other.language == language and other.agent_uri), None)
        if same is not None:
            return same.agent_uri
    return line.agent_uri


async def choose_language(port: CallPort) -> Lang:
    """1 中文 / 2 English; no key or another key: Chinese."""
    port.language = "zh"
    key = await port.ask(["language_choice", "en/language_choice"], max_digits=1)
    return LANGUAGE_KEYS.get(key, "zh")


async def status_lookup(port: CallPort, desk: Desk) -> None:
    """A case number by keypad, its status read back, and an offer of SMS updates on it; two tries."""
    for _ in range(2):
        number = await port.ask(["status_enter"], max_digits=30)
        if not number:
            await port.play(["no_input"])
            continue
        found = await desk.case_status(number)
        await desk.status_told(number, found)
        if found is None:
            await port.play(["status_unknown", *digit_prompts(number)])
            continue
        key = await port.ask(["status_case", *digit_prompts(found.number), "status_is", f"status_{found.status}", "consent_ask"], max_digits=1)
        if key == CONSENT_KEY:
            await desk.case_consent(found)
            await port.play(["consent_yes"])
        break
    await port.play(["goodbye"])


async def voicemail(port: CallPort, desk: Desk, offer: str, sip: SipSettings) -> Outcome:
    """The offer, the tone, the message; then SMS consent. A message of one second or less is not kept."""
    await port.play([offer, "beep"])
    await desk.recording()
    recorded = await port.record(max_seconds=sip.voicemail_max_seconds, silence_seconds=sip.voicemail_silence_seconds)
    if recorded.seconds <= 1.0:
        recorded.path.unlink(missing_ok=True)
        if recorded.ended_by == "hangup":
            return "abandoned"
        await port.play(["no_input", "goodbye"])
        return "abandoned"
    voicemail_id = await desk.voicemail(recorded, port.language)
    if recorded.ended_by == "hangup":
        return "voicemail"
    key = await port.ask(["voicemail_saved", "consent_ask"], max_digits=1)
    if key == CONSENT_KEY:
        await desk.voicemail_consent(voicemail_id)
        await port.play(["consent_yes"])
    await port.play(["goodbye"])
    return "voicemail"


async def answer_call(port: CallPort, desk: Desk, line: HotlineLine, sip: SipSettings, now: datetime) -> Outcome:
    """The whole call on one line; what it came to."""
    if line.language == "choice":
        port.language = await choose_language(port)
    if await port.ask(["greeting"], max_digits=1, timeout=0.5) == STATUS_KEY:
        await status_lookup(port, desk)
        return "status"
    agent_uri = agent_for(line, port.language, sip.lines)
    if agent_uri is None:
        return await voicemail(port, desk, "voicemail_busy", sip)
    if not in_service(sip.service_hours, now):
        return await voicemail(port, desk, "voicemail_closed", sip)
    await port.play(["connecting"])
    await desk.offering(agent_uri, port.language)
    if await port.hand_off(agent_uri, sip.agent_answer_seconds):
        await desk.connected(agent_uri)
        await port.converse()
        return "agent"
    return await voicemail(port, desk, "voicemail_busy", sip)
