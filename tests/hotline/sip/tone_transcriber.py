"""A transcriber for tests, plugged in through sip.transcriber: it 'hears' the strongest pitch of a recording."""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


class ToneTranscriber:
    name = "tone-test"

    async def transcribe(self, path: Path, language: str) -> str | None:
        with wave.open(str(path)) as w:
            samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
            rate = w.getframerate()
        if not samples.any():
            return None
        spectrum = np.abs(np.fft.rfft(samples))
        return f"{language}: tone {round(float(np.argmax(spectrum)) * rate / len(samples), -1):.0f} Hz"
