"""A real SIP call reaches voicemail: the caller's own audio is in the stored recording, the row is in the queue."""
from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import numpy as np

from tests.conftest import eventually, free_port
from tests.hotline.sip.conftest import BEEP_HZ, CALLER, ZH_HZ, tone_wav

SPOKEN_HZ = 440
SPOKEN_SECONDS = 2.5


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64), w.getframerate()


def loud_seconds(samples: np.ndarray, rate: int, threshold: float = 500.0) -> float:
    """How long the RMS envelope (20 ms windows) stays above threshold."""
    frame = rate // 50
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    return float(np.sum(np.sqrt(np.mean(frames**2, axis=1)) > threshold)) / 50


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum)) * rate / len(samples)


async def test_voicemail_keeps_the_callers_audio_and_queues_it(sip_worker: Any, store_of: Any, database_url: str,
                                                              call_event_log: Any, tmp_path: Path) -> None:
    worker = sip_worker(database_url, transcriber="tests.hotline.sip.tone_transcriber:ToneTranscriber")
    worker.start()
    said = tone_wav(tmp_path / "said.wav", SPOKEN_HZ, SPOKEN_SECONDS)
    caller = worker.phone("call", "media", "heard", str(BEEP_HZ), "play", str(said), "sleep", str(SPOKEN_SECONDS + 0.5),
                          "dtmf", "#", "rfc2833", "heard", str(ZH_HZ), "dtmf", "1", "info", "end",
                          name="caller", target=worker.uri(), user=CALLER)
    caller.wait()
    assert caller.process.returncode == 0, caller.log.read_text()

    store = store_of(database_url)
    [voicemail] = await eventually(lambda: store.voicemails())
    assert (voicemail.caller, voicemail.line, voicemail.language) == (CALLER, "12319", "zh")
    assert voicemail.consent_updates is True
    assert SPOKEN_SECONDS <= voicemail.duration_s < SPOKEN_SECONDS + 3

    await eventually(lambda: _transcript(store, voicemail.id))
    transcribed = await store.voicemail(voicemail.id)
    assert (transcribed.transcript, transcribed.transcript_source) == (f"zh: tone {SPOKEN_HZ} Hz", "tone-test")

    samples, rate = read_wav(worker.media_dir / voicemail.recording)
    assert rate == 8000
    assert abs(dominant_hz(samples, rate) - SPOKEN_HZ) < 10
    assert abs(loud_seconds(samples, rate) - SPOKEN_SECONDS) < 0.3

    call = await eventually(lambda: _ended(store, voicemail.call_id))
    assert (call.channel, call.line, call.caller, call.outcome, call.recording) == ("sip", "12319", CALLER, "voicemail", voicemail.recording)
    assert call.started_at <= call.answered_at <= call.ended_at
    assert call.duration_s > SPOKEN_SECONDS
    assert set(call.detail["dtmf"]) == {"rfc2833", "sip_info"}
    await eventually(lambda: call_event_log.kinds(call.id)[-1:] == ["hung_up"])
    assert call_event_log.kinds(call.id) == ["ringing", "answered", "voicemail_recorded", "hung_up"]
    recorded = next(e for e in call_event_log.events if e.kind == "voicemail_recorded")
    assert (recorded.caller, recorded.line, recorded.language, recorded.detail["voicemail_id"]) == (CALLER, "12319", "zh", voicemail.id)


async def _transcript(store: Any, voicemail_id: int) -> str | None:
    row = await store.voicemail(voicemail_id)
    return row.transcript if row is not None else None


async def _ended(store: Any, call_id: int) -> Any:
    call = await store.call(call_id)
    return call if call is not None and call.state == "ended" else None


async def test_with_redis_down_the_caller_still_reaches_voicemail(sip_worker: Any, store_of: Any, sqlite_url: str, tmp_path: Path) -> None:
    worker = sip_worker(sqlite_url)
    worker.redis_url = f"redis://127.0.0.1:{free_port()}/0"
    worker.start()
    said = tone_wav(tmp_path / "said.wav", SPOKEN_HZ, 1.5)
    caller = worker.phone("call", "media", "heard", str(BEEP_HZ), "play", str(said), "sleep", "2", "hangup", "end",
                          name="caller", target=worker.uri(), user=CALLER)
    caller.wait()
    store = store_of(sqlite_url)
    [voicemail] = await eventually(lambda: store.voicemails())
    assert voicemail.duration_s > 1.5
    call = await eventually(lambda: _ended(store, voicemail.call_id))
    assert call.outcome == "voicemail"
    assert b"call event ringing of call" in worker.log.read_bytes()
