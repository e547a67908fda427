"""In-band DTMF: the two tones of a keypad digit found in the caller's audio (8 kHz, one DFT bin per tone)."""
from __future__ import annotations

import numpy as np

RATE = 8000
BLOCK = 205
"""Samples per decision (~26 ms): the classic size, close to a bin for each of the eight frequencies."""
ROWS = (697.0, 770.0, 852.0, 941.0)
COLS = (1209.0, 1336.0, 1477.0, 1633.0)
KEYS = ("123A", "456B", "789C", "*0#D")
MIN_RMS = 60.0
"""Quieter blocks are line noise, not a key."""
MIN_SHARE = 0.55
"""Share of the block's energy the strongest row and column tones must hold together (speech spreads wider)."""
MIN_EACH = 0.12
"""Share each tone must hold alone (about 8 dB of twist)."""

_BASIS = np.exp(-2j * np.pi * np.outer(ROWS + COLS, np.arange(BLOCK)) / RATE)


def tone_powers(block: np.ndarray) -> np.ndarray:
    """Power at the eight DTMF frequencies, as shares of the block's energy (1.0: a pure tone)."""
    power = np.abs(_BASIS @ block) ** 2
    energy = float(np.dot(block, block)) * len(block) / 2
    return power / energy if energy > 0 else np.zeros(8)


def block_digit(block: np.ndarray) -> str | None:
    """The key whose two tones fill this block, or None."""
    if np.sqrt(np.mean(block * block)) < MIN_RMS:
        return None
    shares = tone_powers(block)
    row, col = int(np.argmax(shares[:4])), int(np.argmax(shares[4:]))
    if shares[row] < MIN_EACH or shares[4 + col] < MIN_EACH or shares[row] + shares[4 + col] < MIN_SHARE:
        return None
    return KEYS[row][col]


class DtmfDetector:
    """Feed audio as it comes; each key is reported once, after two blocks agree, until it is released."""

    def __init__(self) -> None:
        self.pending = np.zeros(0)
        self.candidate: str | None = None
        self.reported: str | None = None

    def feed(self, samples: np.ndarray) -> list[str]:
        self.pending = np.concatenate([self.pending, samples.astype(np.float64)])
        found = []
        while len(self.pending) >= BLOCK:
            block, self.pending = self.pending[:BLOCK], self.pending[BLOCK:]
            digit = block_digit(block)
            if digit is not None and digit == self.candidate and digit != self.reported:
                found.append(digit)
                self.reported = digit
            if digit is None:
                self.reported = None
            self.candidate = digit
        return found
