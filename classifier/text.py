"""Normalisation of complaint text and the checks that decide whether it carries any signal."""

from __future__ import annotations

import re
import unicodedata

# Features are computed on this many leading characters; longer texts are truncated and flagged.
FEATURE_CHARS = 2000
# Beyond this length a text is not a complaint anyone typed: classified, but sent to review.
MAX_TEXT_CHARS = 5000

_SIGNAL = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
# A text is English when its Latin letters outnumber its Han characters more than this many times over: an English
# word takes five letters where a Chinese one takes two characters, and an English letter may name its roads in Chinese.
LATIN_PER_HAN = 2
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, runs of white space folded to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def language_of(text: str) -> str:
    """"en" for a text written mostly in Latin letters, else "zh"."""
    return "en" if len(_LATIN.findall(text)) > LATIN_PER_HAN * len(_HAN.findall(text)) else "zh"


def has_signal(text: str) -> bool:
    """True when the text holds at least one Han character or Latin letter."""
    return _SIGNAL.search(text) is not None

