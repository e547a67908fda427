"""The call flows as a state machine, without SIP: which prompts, which branch, what the back office hears of it."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from channels.hotline.sip.flows import CaseStatusInfo, HungUp, Recorded, agent_for, answer_call, in_service, service_spans
from gateway.settings import HotlineLine, SipSettings

NOON_CHINA = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)
MIDNIGHT_CHINA = datetime(2026, 11, 22, 16, 30, tzinfo=timezone.utc)


class ScriptedLine:
    """A caller who answers each question from a script and says `seconds` into voicemail."""

    def __init__(self, tmp_path: Path, answers: list[str], seconds: float = 5.0, agent_answers: bool = False,
                 hang_up_when: Callable[[list[str]], bool] = lambda names: False, language: str = "zh") -> None:
        self.language = language
        self.heard: list[str] = []
        self.answers, self.seconds, self.agent_answers, self.hang_up_when = answers, seconds, agent_answers, hang_up_when
        self.recording = tmp_path / "message.wav"

    async def play(self, names: list[str]) -> None:
        self.heard += names
        if self.hang_up_when(names):
            raise HungUp

    async def ask(self, names: list[str], *, max_digits: int, timeout: float = 6.0) -> str:
        await self.play(names)
        return self.answers.pop(0) if self.answers else ""

    async def record(self, *, max_seconds: float, silence_seconds: float) -> Recorded:
        self.recording.write_bytes(b"RIFF")
        return Recorded(self.recording, self.seconds, "key")

    async def hand_off(self, agent_uri: str, timeout: float) -> bool:
        self.heard.append(f"<ring {agent_uri}>")
        return self.agent_answers

    async def converse(self) -> None:
        self.heard.append("<talk>")


class Office:
    def __init__(self, cases: dict[str, str] | None = None) -> None:
        self.log: list[tuple[Any, ...]] = []
        self.cases = cases or {}

    async def offering(self, agent_uri: str, language: str) -> None:
        self.log.append(("offering", agent_uri, language))

    async def connected(self, agent_uri: str) -> None:
        self.log.append(("connected", agent_uri))

    async def recording(self) -> None:
        self.log.append(("recording",))

    async def voicemail(self, recorded: Recorded, language: str) -> int:
        self.log.append(("voicemail", recorded.seconds, language))
        return 7

    async def voicemail_consent(self, voicemail_id: int) -> None:
        self.log.append(("voicemail_consent", voicemail_id))

    async def case_status(self, number: str) -> CaseStatusInfo | None:
        return CaseStatusInfo(number, self.cases[number]) if number in self.cases else None

    async def status_told(self, number: str, found: CaseStatusInfo | None) -> None:
        self.log.append(("status", number, found.status if found else None))

    async def case_consent(self, case: CaseStatusInfo) -> None:
        self.log.append(("case_consent", case.number))


LINES = [HotlineLine(number="12319", language="choice", agent_uri="sip:zh@agents"), HotlineLine(number="12319-en", language="en", agent_uri="sip:en@agents")]
SIP = SipSettings(lines=LINES, service_hours=["08:00-20:00"])


def test_service_hours_in_china_time_and_across_midnight() -> None:
    assert in_service(["08:00-20:00"], NOON_CHINA) and not in_service(["08:00-20:00"], MIDNIGHT_CHINA)
    assert in_service(["22:00-02:00"], MIDNIGHT_CHINA) and in_service(["00:00-24:00"], MIDNIGHT_CHINA)
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        service_spans(["8-20"])
    with pytest.raises(ValueError):
        service_spans(["08:00-24:30"])


def test_a_shared_number_hands_english_callers_to_the_english_agents() -> None:
    assert agent_for(LINES[0], "en", LINES) == "sip:en@agents"
    assert agent_for(LINES[0], "zh", LINES) == "sip:zh@agents"
    assert agent_for(LINES[1], "en", LINES) == "sip:en@agents"


async def test_complaint_path_is_greeting_then_agent(tmp_path: Path) -> None:
    line, office = ScriptedLine(tmp_path, ["1", ""], agent_answers=True), Office()
    assert await answer_call(line, office, LINES[0], SIP, NOON_CHINA) == "agent"
    assert line.heard == ["language_choice", "en/language_choice", "greeting", "connecting", "<ring sip:zh@agents>", "<talk>"]
    assert office.log == [("offering", "sip:zh@agents", "zh"), ("connected", "sip:zh@agents")]


async def test_outside_service_hours_the_caller_is_offered_voicemail(tmp_path: Path) -> None:
    line, office = ScriptedLine(tmp_path, ["2", "", "1"]), Office()
    assert await answer_call(line, office, LINES[0], SIP, MIDNIGHT_CHINA) == "voicemail"
    assert line.language == "en"
    assert line.heard[2:] == ["greeting", "voicemail_closed", "beep", "voicemail_saved", "consent_ask", "consent_yes", "goodbye"]
    assert office.log == [("recording",), ("voicemail", 5.0, "en"), ("voicemail_consent", 7)]


async def test_no_agent_answer_offers_voicemail_and_a_short_message_is_not_kept(tmp_path: Path) -> None:
    line, office = ScriptedLine(tmp_path, ["", ""], seconds=0.8, language="en"), Office()
    assert await answer_call(line, office, LINES[1], SIP, NOON_CHINA) == "abandoned"
    assert line.heard == ["greeting", "connecting", "<ring sip:en@agents>", "voicemail_busy", "beep", "no_input", "goodbye"]
    assert not line.recording.exists()
    assert office.log == [("offering", "sip:en@agents", "en"), ("recording",)]


async def test_status_lookup_reads_number_and_status_and_retries_an_unknown_number(tmp_path: Path) -> None:
    line, office = ScriptedLine(tmp_path, ["9", "123", "20261122000042", "1"], language="en"), Office({"20261122000042": "filed"})
    assert await answer_call(line, office, LINES[1], SIP, NOON_CHINA) == "status"
    digits = [f"digit_{d}" for d in "20261122000042"]
    assert line.heard == ["greeting", "status_enter", "status_unknown", "digit_1", "digit_2", "digit_3", "status_enter",
                          "status_case", *digits, "status_is", "status_filed", "consent_ask", "consent_yes", "goodbye"]
    assert office.log == [("status", "123", None), ("status", "20261122000042", "filed"), ("case_consent", "20261122000042")]


async def test_hang_up_during_a_prompt_stops_the_flow(tmp_path: Path) -> None:
    line = ScriptedLine(tmp_path, [""], hang_up_when=lambda names: names == ["connecting"], language="en")
    with pytest.raises(HungUp):
        await answer_call(line, Office(), LINES[1], SIP, NOON_CHINA)
    assert line.heard == ["greeting", "connecting"]


def test_transcriber_setting_names_a_class_or_is_refused_plainly() -> None:
    from channels.hotline.sip.transcribe import load_transcriber

    assert load_transcriber(None) is None
    assert load_transcriber("tests.hotline.sip.tone_transcriber:ToneTranscriber").name == "tone-test"
    with pytest.raises(ValueError, match="package.module:ClassName"):
        load_transcriber("tests.hotline.sip.tone_transcriber")
    with pytest.raises(TypeError, match="transcribe"):
        load_transcriber("pathlib:PurePath")
