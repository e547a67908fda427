"""Normalisation of complaint text and the checks that decide whether it carries any signal."""

from __future__ import annotations

import re
import unicodedata

# Features are computed on this many leading characters; longer texts are truncated and flagged.
FEATURE_CHARS = 2000
# Beyond this length a text is not a complaint anyone typed: classified, but sent to review.
MAX_TEXT_CHARS = 5000

_SIGNAL = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z]")
# Runs of Han characters, and Latin words (ASCII and full-width letters).
_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z\uff21-\uff3a\uff41-\uff5a]+")
# A text is English when its Latin letters outnumber its Han characters more than this many times over: an English
# word takes five letters where a Chinese one takes two characters, and an English letter may name its roads in Chinese.
LATIN_PER_HAN = 2
# The size of a text counts Han characters, and each Latin word as this many (an English word says about what two
# Chinese characters say: agents' English notes run to 20 words where Chinese ones run to 40 characters).
LATIN_WORD_SIZE = 2
# Up to this size a text is a note (an agent's note, an SMS, a chat message), above it a letter: letters as the web form,
# the mayor's mailbox and the boards receive them start at about 80 characters, punctuation included.
NOTE_SIZE = 60
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lower case, runs of white space folded to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def _counts(text: str) -> tuple[int, int, int]:
    """Han characters, Latin letters and the size (see LATIN_WORD_SIZE) of a text, in one pass."""
    han = letters = words = 0
    for run in _RUN.findall(text):
        if "\u3400" <= run[0] <= "\ufaff":
            han += len(run)
        else:
            letters += len(run)
            words += 1
    return han, letters, han + LATIN_WORD_SIZE * words


def language_of(text: str) -> str:
    """"en" for a text written mostly in Latin letters, else "zh"."""
    return kind_of(text)[0]


def size_of(text: str) -> int:
    """Han characters plus LATIN_WORD_SIZE for every Latin word."""
    return _counts(text)[2]


def kind_of(text: str) -> tuple[str, str]:
    """The language of a text and its register: "note" up to NOTE_SIZE, else "letter"."""
    han, letters, size = _counts(text)
    return ("en" if letters > LATIN_PER_HAN * han else "zh"), ("note" if size <= NOTE_SIZE else "letter")


def has_signal(text: str) -> bool:
    """True when the text holds at least one Han character or Latin letter."""
    return _SIGNAL.search(text) is not None

