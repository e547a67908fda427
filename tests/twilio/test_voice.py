"""A Twilio voice line walked turn by turn, as Twilio posts each webhook after the TwiML it was given."""
from __future__ import annotations

import io
import json
import wave
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from redis.client import PubSub
from sqlalchemy import func, select

from classifier.tables import load_tables
from gateway.calls import CALL_EVENTS
from gateway.store.models import ReportRow
from tests.classifier.test_tables import HAN
from tests.twilio.conftest import CHOICE_LINE, EN_LINE, PUBLIC, Caller, Gateway, StartGateway, post_signed

VOICE = PUBLIC + "/channels/twilio/voice"


class Events(list[dict[str, Any]]):
    """Call events published on Redis since the test began, collected when asked for."""

    def __init__(self, pubsub: PubSub) -> None:
        super().__init__()
        self.pubsub = pubsub

    def kinds(self) -> list[str]:
        while (message := self.pubsub.get_message(timeout=0.2)) is not None:
            if message["type"] == "message":
                self.append(json.loads(message["data"]))
        return [e["kind"] for e in self]


@pytest.fixture
def events(redis_url: str) -> Iterator[Events]:
    client = redis.Redis.from_url(redis_url)
    pubsub = client.pubsub()
    pubsub.subscribe(CALL_EVENTS)
    pubsub.get_message(timeout=1)
    yield Events(pubsub)
    pubsub.close()
    client.close()


def wav_bytes(seconds: float = 1.0) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * int(8000 * seconds))
    return out.getvalue()


async def report_count(gateway: Gateway) -> int:
    async with gateway.api.store.transaction() as tx:
        return int(await tx.session.scalar(select(func.count()).select_from(ReportRow)) or 0)


async def test_chinese_call_makes_a_classified_located_case_and_reads_its_number_back(start_gateway: StartGateway, database_url: str, events: Events) -> None:
    gateway = await start_gateway(database_url)
    caller = gateway.caller()
    await caller.dial()
    assert caller.gather.get("input") == "speech" and caller.gather.get("language") == "cmn-Hans-CN"
    assert caller.said() == [("zh-CN", "您好，这里是城市管理热线。请说出您发现了什么问题，说完请稍候。")]
    await caller.speak("人民路和解放路路口的污水井盖不见了，晚上很危险")
    assert caller.said() == [("zh-CN", "请说出问题所在的地点，例如路名和附近的路口。")]
    await caller.speak("人民路与解放路路口")
    assert caller.gather.get("input") == "dtmf"
    assert caller.said() == [("zh-CN", "您反映的是：公用设施 · 污水井盖。"), ("zh-CN", "地点：人民路与解放路。确认请按1，重新描述请按2。")]
    await caller.press("1")
    assert caller.said() == [("zh-CN", "如需通过短信接收处理进展，请按1；不需要请按2。")]
    consent_url = caller.gather.get("action", "")
    final = await caller.press("1")
    [said] = caller.said()
    number = said[1].split("：")[1].split("。")[0].replace(" ", "")
    assert said[1].startswith("已受理。您的案件编号是：") and len(number) == 14
    assert final.find("Hangup") is not None

    case = await gateway.case(number)
    assert case["channel"] == "voice" and case["case_source"] == "12319热线"
    assert case["class"]["minor_name"] == "污水井盖" and case["location"] is not None
    call = await gateway.api.store.call_by_external_id("twilio", caller.sid)
    assert call is not None and call.case_id is not None and call.outcome == "report" and call.language == "zh"
    async with gateway.api.store.transaction() as tx:
        [report] = list(await tx.session.scalars(select(ReportRow)))
    assert report.contact == {"phone": caller.number, "consent_updates": True} and report.address == "人民路与解放路路口"

    status, again = await post_signed(gateway.api.client, consent_url, caller.params(Digits="1"))
    assert status == 200 and number.replace("", " ").strip() in again, "Twilio's retry hears the same number"
    assert await report_count(gateway) == 1, "and makes nothing twice"

    await caller.turn(VOICE + "/status", CallStatus="completed", CallDuration="48")
    await caller.turn(VOICE + "/status", CallStatus="completed", CallDuration="48")
    ended = await gateway.api.store.call(call.id)
    assert ended is not None and ended.state == "ended" and ended.outcome == "report" and ended.duration_s is not None
    assert events.kinds() == ["answered", "hung_up"]
    assert {e["channel"] for e in events} == {"twilio"} and events[0]["caller"] == caller.number and events[0]["line"] == caller.line


async def test_english_by_choice_can_describe_again_and_declines_updates(gateway: Gateway) -> None:
    caller = gateway.caller(CHOICE_LINE)
    await caller.dial()
    assert [lang for lang, _ in caller.said()] == ["zh-CN", "en-US"] and caller.gather.get("input") == "dtmf"
    await caller.press("7")
    assert caller.said()[0] == ("zh-CN", "输入无效。")
    await caller.press("2")
    assert caller.gather.get("language") == "en-US"
    await caller.speak("The street light is broken")
    await caller.speak("Renmin Road near the school")
    assert caller.said()[0][0] == "en-US" and caller.said()[0][1].startswith("We understood the problem as: ")
    await caller.press("2")
    assert caller.said() == [("en-US", "Hello, this is the city services line. Please tell us what the problem is, then wait.")]
    await caller.speak("The manhole cover is missing")
    await caller.speak("Renmin Road and Jiefang Road")
    said = caller.said()
    assert [lang for lang, _ in said] == ["en-US", "en-US"], "the class read back in English, in an English voice"
    assert said[0][1].startswith("We understood the problem as: ") and "Manhole cover" in said[0][1] and not HAN.search(said[0][1])
    assert said[1] == ("en-US", "At Renmin Road & Jiefang Road junction. Press 1 to confirm, or 2 to describe it again.")
    await caller.press("1")
    await caller.press("2")
    [(lang, words)] = caller.said()
    assert lang == "en-US" and words.startswith("Thank you, your report is received. Your case number is: ")
    number = words.split(": ")[1].split(".")[0].replace(" ", "")
    case = await gateway.case(number)
    assert case["channel"] == "voice"
    assert said[0][1] == f"We understood the problem as: {load_tables().label(case['class_id'], 'en')}."
    async with gateway.api.store.transaction() as tx:
        [report] = list(await tx.session.scalars(select(ReportRow)))
    assert (report.text, report.language) == ("The manhole cover is missing", "en")
    assert report.consent_updates is False and report.address == "Renmin Road and Jiefang Road"


async def test_no_speech_falls_back_to_a_recorded_message_in_the_voicemail_queue(start_gateway: StartGateway, database_url: str, events: Events) -> None:
    gateway = await start_gateway(database_url, transcription=True)
    caller = gateway.caller(EN_LINE)
    await caller.dial()
    record = await caller.stay_silent()
    assert caller.said()[0] == ("en-US", "Sorry, we could not understand. Please leave a message after the tone, saying what and where the problem is, then hang up.")
    verb = record.find("Record")
    assert verb is not None and verb.get("transcribe") == "true" and verb.get("transcribeCallback") == VOICE + "/transcription"
    recording = wav_bytes()
    url = gateway.rest.add_recording(recording)
    await caller.turn(verb.get("action", ""), RecordingUrl=url, RecordingDuration="7", RecordingSid="RE" + "1" * 32)
    await caller.turn(verb.get("action", ""), RecordingUrl=url, RecordingDuration="7", RecordingSid="RE" + "1" * 32)
    assert caller.said() == [("en-US", "Your message is recorded; our staff will deal with it soon. Goodbye.")]
    [voicemail] = await gateway.api.store.voicemails()
    call = await gateway.api.store.call_by_external_id("twilio", caller.sid)
    assert call is not None and voicemail.call_id == call.id and voicemail.duration_s == 7.0 and voicemail.language == "en"
    assert (gateway.media_dir / voicemail.recording).read_bytes() == recording and call.recording == voicemail.recording
    assert gateway.rest.downloads == [url.removeprefix(gateway.rest.url)], "downloaded once, with the account's credentials"
    await caller.turn(verb.get("transcribeCallback", ""), TranscriptionText="Rubbish on Renmin Road", TranscriptionStatus="completed",
                      RecordingUrl=url, RecordingSid="RE" + "1" * 32)
    vm = await gateway.api.store.voicemail(voicemail.id)
    assert vm is not None and (vm.transcript, vm.transcript_source) == ("Rubbish on Renmin Road", "twilio")
    assert await report_count(gateway) == 0
    await caller.turn(VOICE + "/status", CallStatus="completed")
    assert events.kinds() == ["answered", "voicemail_recorded", "hung_up"]
    assert events[1]["detail"]["voicemail_id"] == voicemail.id


async def test_a_long_recording_sent_in_pieces_is_kept_whole(gateway: Gateway) -> None:
    caller = gateway.caller()
    await caller.dial()
    record = (await caller.stay_silent()).find("Record")
    assert record is not None
    recording = wav_bytes(seconds=20.0)  # 320 KB: twenty pieces from the REST API
    url = gateway.rest.add_recording(recording)
    await caller.turn(record.get("action", ""), RecordingUrl=url, RecordingDuration="20", RecordingSid="RE" + "2" * 32)
    [voicemail] = await gateway.api.store.voicemails()
    assert (gateway.media_dir / voicemail.recording).read_bytes() == recording


async def test_speech_that_was_not_understood_also_goes_to_voicemail(gateway: Gateway) -> None:
    caller = gateway.caller()
    await caller.dial()
    await caller.speak("人民路上垃圾很多")
    await caller.speak("")
    assert caller.twiml is not None and caller.twiml.find("Record") is not None
    assert caller.said()[0][1].startswith("抱歉，没有听清")


async def test_a_call_to_an_unknown_number_is_told_so_and_recorded_nowhere(gateway: Gateway) -> None:
    caller = Caller(gateway.api.client, "+8651299999999")
    await caller.dial()
    assert [lang for lang, _ in caller.said()] == ["zh-CN", "en-US"] and caller.twiml is not None and caller.twiml.find("Hangup") is not None
    assert await gateway.api.store.calls() == []
