"""The voice dialogue of a Twilio line, one TwiML answer per webhook; the call's progress lives in its row's `detail`.

language (a line set to `choice`) → describe (speech) → place (speech) → class and place read back, 1 confirms →
SMS consent by key → report submitted, case number read back. No speech falls back to a recorded message that
joins the agents' voicemail queue (with Twilio's transcription when enabled).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis import Redis
from rq import Queue
from twilio.twiml.voice_response import Gather, VoiceResponse

from channels.hotline.twilio.texts import SAY_LANGUAGE, SPEECH_LANGUAGE, spoken_digits, text
from channels.messaging.twilio.attachments import recording_kind
from channels.messaging.twilio.edge import PROVIDER, TwilioError, download
from channels.messaging.twilio.inbound import PHONE
from classifier.tables import CodeTables
from gateway.calls import CallEvent, CallEventKind, publish_call_event
from gateway.domain import Channel, ContactIn, ReportIn
from gateway.media import MediaStore
from gateway.intake.pipeline import Located, Pipeline
from gateway.settings import HotlineLine, Settings, TwilioSettings
from gateway.casework.notify import enqueue_notifications, queue_message
from gateway.store.models import CallRow, ReportRow
from gateway.store.store import Store, utcnow

VOICE_PATH = "/channels/twilio/voice"
MAX_RECORDING_BYTES = 32 * 1024 * 1024
SPEECH_TIMEOUT_S = 6
# Twilio's CallStatus → (the call's state, the event agents see); only final ones end a call.
FINAL_STATUS: dict[str, tuple[str, CallEventKind]] = {
    "completed": ("hung_up", "hung_up"), "busy": ("dropped", "dropped"), "failed": ("dropped", "dropped"),
    "no-answer": ("dropped", "dropped"), "canceled": ("dropped", "dropped"),
}


@dataclass
class VoiceDesk:
    settings: Settings
    config: TwilioSettings
    pipeline: Pipeline
    store: Store
    tables: CodeTables
    media: MediaStore
    redis: Redis
    queue: Queue

    def url(self, step: str) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}{VOICE_PATH}/{step}"

    def line(self, number: str) -> HotlineLine | None:
        return next((line for line in self.config.lines if line.number == number), None)

    def publish(self, call: CallRow, kind: CallEventKind, **detail: Any) -> None:
        event = CallEvent(kind=kind, call_id=call.id, channel="twilio", line=call.line, caller=call.caller,
                          language="en" if call.language == "en" else "zh", detail=detail)
        publish_call_event(self.redis, event)

    async def call_of(self, form: Mapping[str, str]) -> CallRow:
        call = await self.store.call_by_external_id(PROVIDER, form["CallSid"])
        if call is None:
            raise LookupError(f"no call {form['CallSid']}")
        return call

    async def remember(self, call: CallRow, **changes: Any) -> dict[str, Any]:
        detail = dict(call.detail or {}) | changes
        await self.store.call_updated(call.id, detail=detail)
        return detail

    # --- prompts ---------------------------------------------------------------------------

    def say(self, response: VoiceResponse | Gather, lang: str, key: str, **params: object) -> None:
        response.say(text(lang, key, **params), language=SAY_LANGUAGE[lang])

    def ask_speech(self, lang: str, key: str, step: str) -> VoiceResponse:
        """Listen for words; silence falls through to the recorded message."""
        response = VoiceResponse()
        gather = Gather(input="speech", language=SPEECH_LANGUAGE[lang], action=self.url(step), method="POST",
                        speech_timeout="auto", timeout=SPEECH_TIMEOUT_S)
        self.say(gather, lang, key)
        response.append(gather)
        response.redirect(self.url("record"), method="POST")
        return response

    def ask_key(self, step: str, words: list[tuple[str, str]]) -> VoiceResponse:
        """Wait for one key after saying each (language, words); no key falls through to the recorded message."""
        response = VoiceResponse()
        gather = Gather(input="dtmf", num_digits=1, action=self.url(step), method="POST", timeout=SPEECH_TIMEOUT_S)
        for lang, said in words:
            gather.say(said, language=SAY_LANGUAGE[lang])
        response.append(gather)
        response.redirect(self.url("record"), method="POST")
        return response

    def choose_language(self, *, again: bool = False) -> VoiceResponse:
        words = [("zh", text("zh", "invalid_key"))] if again else []
        return self.ask_key("language", words + [("zh", text("zh", "choose_language")), ("en", text("en", "choose_language"))])

    def readback(self, lang: str, detail: dict[str, Any], *, again: bool = False) -> VoiceResponse:
        """The class and the place read back in the caller's language; 1 confirms, 2 starts again."""
        name = self.tables.label(detail.get("class_id"), lang) or text(lang, "class_pending")
        words = [(lang, text(lang, "invalid_key"))] if again else []
        words.append((lang, text(lang, "readback", name=name)))
        return self.ask_key("confirm", words + [(lang, text(lang, "readback_place", place=detail["place_label"]))])

    def record_prompt(self, lang: str) -> VoiceResponse:
        response = VoiceResponse()
        self.say(response, lang, "record")
        options: dict[str, Any] = {"action": self.url("recorded"), "method": "POST", "max_length": int(self.settings.sip.voicemail_max_seconds),
                                   "timeout": int(self.settings.sip.voicemail_silence_seconds), "play_beep": True}
        if self.config.transcription:
            options |= {"transcribe": True, "transcribe_callback": self.url("transcription")}
        response.record(**options)
        self.say(response, lang, "goodbye")
        response.hangup()
        return response

    # --- steps -----------------------------------------------------------------------------

    async def start(self, form: Mapping[str, str]) -> VoiceResponse:
        """A call reaches the line: recorded, shown to agents, greeted in the line's language (or asked for one)."""
        line = self.line(form.get("To", ""))
        if line is None:
            response = VoiceResponse()
            self.say(response, "zh", "unknown_line")
            self.say(response, "en", "unknown_line")
            response.hangup()
            return response
        lang = "en" if line.language == "en" else "zh"
        call = await self.store.call_started(PROVIDER, form["CallSid"], line=line.number, caller=form.get("From") or None, language=lang)
        if call.state == "ringing":
            call = await self.store.call_updated(call.id, state="answered", answered_at=utcnow(), detail={"step": "start"}) or call
            self.publish(call, "answered")
        return self.choose_language() if line.language == "choice" else self.ask_speech(lang, "describe", "describe")

    async def language(self, form: Mapping[str, str]) -> VoiceResponse:
        chosen = {"1": "zh", "2": "en"}.get(form.get("Digits", ""))
        if chosen is None:
            return self.choose_language(again=True)
        call = await self.call_of(form)
        await self.store.call_updated(call.id, language=chosen)
        return self.ask_speech(chosen, "describe", "describe")

    async def describe(self, form: Mapping[str, str]) -> VoiceResponse:
        call = await self.call_of(form)
        words = form.get("SpeechResult", "").strip()
        if not words:
            return await self.record(form)
        report = ReportIn(text=words[: self.settings.intake.max_text_chars], channel=Channel.VOICE, language=call.language)
        class_id = self.pipeline.classify(report).class_id
        await self.remember(call, step="place", text=report.text, class_id=class_id)
        return self.ask_speech(call.language, "ask_place", "place")

    async def place(self, form: Mapping[str, str]) -> VoiceResponse:
        call = await self.call_of(form)
        words = form.get("SpeechResult", "").strip()[:300]
        if not words or not (call.detail or {}).get("text"):
            return await self.record(form)
        located = self.pipeline.locate(ReportIn(text=call.detail["text"], channel=Channel.VOICE, language=call.language, address=words))
        label = self.place_label(call.language, located) or words
        detail = await self.remember(call, step="confirm", place=words, place_label=label)
        return self.readback(call.language, detail)

    def place_label(self, lang: str, located: Located | None) -> str | None:
        """The place found from the caller's words, as it is read back: in English by its Latin name (a Chinese name
        in an English voice says nothing), in Chinese as the gazetteer names it."""
        if located is None or located.source != "address" or not located.label:
            return None
        locator = self.pipeline.locator
        return locator.describe(located.lat, located.lon, lang) if lang == "en" and locator is not None else located.label

    async def confirm(self, form: Mapping[str, str]) -> VoiceResponse:
        call = await self.call_of(form)
        key = form.get("Digits", "")
        if key == "1":
            await self.remember(call, step="consent")
            return self.ask_key("consent", [(call.language, text(call.language, "ask_consent"))])
        if key == "2":
            await self.remember(call, step="describe", text=None, class_id=None, place=None, place_label=None)
            return self.ask_speech(call.language, "describe", "describe")
        return self.readback(call.language, call.detail or {}, again=True)

    async def consent(self, form: Mapping[str, str]) -> VoiceResponse | str:
        """The report is made (once per call, whatever Twilio retries) and its number read back."""
        call = await self.call_of(form)
        key = form.get("Digits", "")
        if key not in ("1", "2"):
            return self.ask_key("consent", [(call.language, text(call.language, key)) for key in ("invalid_key", "ask_consent")])
        earlier = await self.store.claim_inbound(PROVIDER, call.external_id)
        if earlier is not None and earlier.reply is not None:
            return earlier.reply
        detail = call.detail or {}
        phone = call.caller if call.caller and PHONE.match(call.caller) else None
        report = ReportIn(
            text=detail["text"], channel=Channel.VOICE, language=call.language, address=detail.get("place"),
            contact=ContactIn(phone=phone, consent_updates=key == "1" and phone is not None) if phone else None,
            client_ref=f"twilio:{call.external_id}",
        )
        result = await self.pipeline.submit(report, actor=PROVIDER)
        await self.store.call_updated(call.id, case_id=result.case_id, outcome="report", detail=detail | {"step": "done", "consent": key == "1"})
        if report.contact is not None and report.contact.consent_updates and not result.replayed:
            await self.confirm_by_sms(result.report_id, result.status, text(call.language, "sms_confirmation", case=result.case_number))
        response = VoiceResponse()
        self.say(response, call.language, "case_number", digits=spoken_digits(result.case_number))
        response.hangup()
        await self.store.finish_inbound(PROVIDER, call.external_id, reply=str(response), report_id=result.report_id)
        return str(response)

    async def confirm_by_sms(self, report_id: int, case_status: str, words: str) -> None:
        """The case number by SMS too, sent by a notification job (retried, opt-outs honoured)."""
        async with self.store.transaction() as tx:
            report = await tx.session.get(ReportRow, report_id)
            assert report is not None
            ids = [queue_message(tx, report, case_status, words)]
        enqueue_notifications(self.queue, ids)

    async def record(self, form: Mapping[str, str]) -> VoiceResponse:
        call = await self.call_of(form)
        await self.store.call_updated(call.id, state="recording")
        return self.record_prompt(call.language)

    async def recorded(self, form: Mapping[str, str]) -> VoiceResponse:
        """The caller's message: downloaded with the account's credentials, kept, queued for agents (once per call)."""
        call = await self.call_of(form)
        response = VoiceResponse()
        self.say(response, call.language, "recorded")
        response.hangup()
        if await self.store.voicemail_of_call(call.id) is not None:
            return response
        data, content_type = await download(self.config, form.get("RecordingUrl", ""), MAX_RECORDING_BYTES)
        kind = recording_kind(data)
        if kind is None:
            raise TwilioError(f"the recording of call {call.external_id} is not WAV or MP3 ({content_type})")
        stored = self.media.save_recording(data, "audio/mpeg" if kind == "mp3" else "audio/wav")
        duration = float(form.get("RecordingDuration") or 0)
        consent = bool((call.detail or {}).get("consent"))
        voicemail = await self.store.add_voicemail(call_id=call.id, caller=call.caller, line=call.line, language=call.language,
                                                   recording=stored.name, duration_s=duration, consent_updates=consent)
        await self.store.call_updated(call.id, state="answered", outcome="voicemail", recording=stored.name)
        self.publish(call, "voicemail_recorded", voicemail_id=voicemail.id, duration_s=duration)
        return response

    async def transcription(self, form: Mapping[str, str]) -> VoiceResponse:
        """Twilio's transcript of a recorded message, kept beside it."""
        call = await self.call_of(form)
        words = form.get("TranscriptionText", "").strip()
        voicemail = await self.store.voicemail_of_call(call.id)
        if form.get("TranscriptionStatus") == "completed" and words and voicemail is not None:
            await self.store.set_transcript(voicemail.id, words, PROVIDER)
        return VoiceResponse()

    async def status(self, form: Mapping[str, str]) -> VoiceResponse:
        """Twilio's call status callback: a call that ended is closed and shown to agents (once)."""
        final = FINAL_STATUS.get(form.get("CallStatus", ""))
        call = await self.store.call_by_external_id(PROVIDER, form["CallSid"])
        if final is None or call is None or call.ended_at is not None:
            return VoiceResponse()
        outcome, kind = final
        ended = await self.store.call_updated(call.id, state="ended", ended_at=utcnow(), outcome=call.outcome or outcome)
        assert ended is not None
        self.publish(ended, kind, call_status=form.get("CallStatus"), duration_s=ended.duration_s)
        return VoiceResponse()
