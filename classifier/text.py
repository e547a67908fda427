"""Normalisation of complaint text and the checks that decide whether it carries any signal."""

from __future__ import annotations

import re
import unicodedata

# Features are computed on this many leading characters; longer texts are truncated and flagged.
FEATURE_CHARS = 2000
# Beyond this length a text is not a complaint anyone typed: classified, but sent to review.
MAX_TEXT_CHARS = 5000

_SIGNAL = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z]")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, runs of white space folded to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def has_signal(text: str) -> bool:
    """True when the text holds at least one Han character or Latin letter."""
    return _SIGNAL.search(text) is not None

