"""The whole words behind a feature, so that an explanation reads "行人 差点" and never the fragment "人差"."""

from __future__ import annotations

from collections.abc import Sequence

# A character n-gram is shown as the shortest run of at most this many consecutive words that contains it.
MAX_WORDS = 3


def phrase(token: str, kind: str, words: Sequence[str]) -> str | None:
    """The word or phrase of the text (its segmented `words`) that a feature of `kind` stands for; None when none does."""
    if kind == "word pair":
        first, _, second = token.partition("_")
        return _join([first, second])
    if kind == "word prefix":
        return next((w for w in words if w.startswith(token)), None)
    if kind == "word" and token in words:
        return token
    best: tuple[int, int] | None = None
    for start in range(len(words)):
        joined = ""
        for end in range(start, min(start + MAX_WORDS, len(words))):
            joined += words[end]
            if token in joined:
                if best is None or end - start < best[1] - best[0]:
                    best = (start, end)
                break
    if best is None:
        return None
    return _join(words[best[0]:best[1] + 1])


def _join(run: Sequence[str]) -> str:
    """Words as written: Chinese ones run together, a space between two Latin ones."""
    out = run[0]
    for before, word in zip(run, run[1:]):
        out += (" " if before[-1:].isascii() and word[:1].isascii() else "") + word
    return out

