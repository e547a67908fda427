"""Segmentation with a jieba tokenizer owned by the classifier, its domain dictionary and synonyms."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import jieba

from classifier.text import has_signal

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT = DATA_DIR / "userdict.txt"
SYNONYMS = DATA_DIR / "synonyms.tsv"
SYNONYM_FREQ = 2000
log = logging.getLogger(__name__)
DICT_MIN_FREQ = 10


def read_synonyms(path: Path = SYNONYMS) -> dict[str, str]:
    """`variant<TAB>canonical` lines (after `#` comments): the words citizens use for official terms."""
    pairs: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        variant, canonical = line.split("\t")
        pairs[variant.strip().lower()] = canonical.strip().lower()
    return pairs


def trimmed_dictionary(directory: Path, min_freq: int) -> Path:
    """jieba's dictionary without its rarest words, written once into `directory`.

    Character n-grams cover what rare words would add, and the smaller dictionary loads
    about four times faster.
    """
    path = directory / f"jieba-dict-f{min_freq}.txt"
    if not path.exists():
        source = Path(jieba.__file__).resolve().parent / "dict.txt"
        lines = [ln for ln in source.read_text(encoding="utf-8").splitlines(keepends=True)
                 if int(ln.split(" ")[1]) >= min_freq]
        tmp = directory / f".{path.name}.{os.getpid()}"
        tmp.write_text("".join(lines), encoding="utf-8")
        os.replace(tmp, path)
    return path


class Segmenter:
    """Word segmentation for complaints; a dedicated `jieba.Tokenizer`, never the global one.

    jieba builds the dictionary (trimmed, plus the user dictionary and the synonyms); the cutting is done by rjieba
    (jieba's algorithm in Rust, about 15x faster) loaded with exactly that dictionary, so the words are the same
    (tests/classifier/test_segment.py checks it on the whole corpus). Without rjieba, jieba cuts.
    """

    def __init__(self, cache_dir: Path, min_freq: int = DICT_MIN_FREQ, *, fast: bool = True) -> None:
        jieba.setLogLevel(logging.WARNING)
        cache_dir.mkdir(parents=True, exist_ok=True)
        self._tokenizer = jieba.Tokenizer(str(trimmed_dictionary(cache_dir, min_freq)))
        self._tokenizer.tmp_dir = str(cache_dir)
        self._tokenizer.initialize()
        self._tokenizer.load_userdict(str(USERDICT))
        self.synonyms = read_synonyms()
        for variant, canonical in self.synonyms.items():
            for word in (variant, canonical):
                if " " not in word and self._tokenizer.FREQ.get(word, 0) < SYNONYM_FREQ:
                    self._tokenizer.add_word(word, SYNONYM_FREQ)
        self._cut = self._fast_cut() if fast else None

    def _fast_cut(self) -> Callable[[str, bool], list[str]] | None:
        try:
            import rjieba
        except ImportError:
            log.info("rjieba not installed: jieba cuts the words (same words, slower)")
            return None
        fast = rjieba.Jieba.empty()
        for word, freq in self._tokenizer.FREQ.items():
            if freq > 0:  # jieba also keeps every prefix of a word, with frequency 0
                fast.add_word(word, freq, None)
        return fast.cut

    def cut(self, text: str) -> list[str]:
        """jieba's words of a text (no HMM for unknown words)."""
        return self._cut(text, False) if self._cut else list(self._tokenizer.cut(text, HMM=False))

    def words(self, text: str) -> list[str]:
        """Tokens of a normalised text that carry letters or Han characters (punctuation, digits, emoji dropped)."""
        return [t for t in self.cut(text) if t.isalpha() or has_signal(t)]

    def canonical(self, words: list[str]) -> list[str]:
        """Official terms named by the words or two-word phrases (English 'manhole cover') of a complaint."""
        found = [self.synonyms[w] for w in words if w in self.synonyms]
        found += [self.synonyms[p] for p in (f"{a} {b}" for a, b in zip(words, words[1:])) if p in self.synonyms]
        return found
