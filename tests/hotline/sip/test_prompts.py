"""Prompts: every name in both languages, 8 kHz mono 16-bit, a word for every case status; a city's own files win."""
from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from channels.hotline.sip.inband import DtmfDetector
from channels.hotline.sip.prompts import BUILT_IN, Prompts
from gateway.domain import CaseStatus


def test_every_prompt_exists_in_both_languages_as_8khz_mono_16bit() -> None:
    names = Prompts.names()
    assert {f"status_{s.value}" for s in CaseStatus} | {f"digit_{d}" for d in range(10)} <= set(names)
    prompts = Prompts()
    for language in ("zh", "en"):
        for name in names:
            with wave.open(str(prompts.path(language, name))) as w:
                assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2), name
                assert w.getnframes() > 800, name


def test_a_citys_recording_replaces_the_generated_one(tmp_path: Path) -> None:
    (tmp_path / "zh").mkdir()
    own = tmp_path / "zh" / "greeting.wav"
    own.write_bytes((BUILT_IN / "zh" / "goodbye.wav").read_bytes())
    prompts = Prompts(tmp_path)
    assert prompts.path("zh", "greeting") == own
    assert prompts.path("en", "greeting") == BUILT_IN / "en" / "greeting.wav"
    with pytest.raises(FileNotFoundError):
        prompts.path("zh", "no_such_prompt")


def _detect(path: Path) -> list[str]:
    with wave.open(str(path)) as w:
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    detector, found = DtmfDetector(), []
    for start in range(0, len(samples), 160):
        found += detector.feed(samples[start:start + 160])
    return found


def test_inband_keys_are_found_in_audio_and_speech_gives_none(tmp_path: Path) -> None:
    keys = {"1": (697, 1209), "5": (770, 1336), "9": (852, 1477), "0": (941, 1336), "#": (941, 1477)}
    parts = []
    for key in "159#0":
        low, high = keys[key]
        part = tmp_path / f"{len(parts)}.wav"
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(part), "synth", "0.08", "sine", str(low), "sine", str(high),
                        "channels", "1", "gain", "-12", "pad", "0", "0.08"], check=True)
        parts.append(str(part))
    keyed = tmp_path / "keys.wav"
    subprocess.run(["sox", *parts, str(keyed)], check=True)
    assert _detect(keyed) == list("159#0")
    assert [_detect(path) for path in sorted(BUILT_IN.glob("*/*.wav")) if _detect(path)] == []
