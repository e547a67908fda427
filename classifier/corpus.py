"""The labelled corpus: `label<TAB>text` files, and a hash that says when it changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_DIR = DATA_DIR / "train"
TEST_FILE = DATA_DIR / "test" / "test.tsv"


@dataclass(frozen=True, slots=True)
class Example:
    label: str
    text: str


def read_examples(path: Path) -> list[Example]:
    """Examples of one file; `#` comment lines, blank lines and the `label<TAB>text` header are skipped."""
    examples: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected label<TAB>text")
        if label == "label" and text == "text":
            continue
        examples.append(Example(label.strip(), text.strip()))
    return examples


def train_files(train_dir: Path = TRAIN_DIR) -> list[Path]:
    return sorted(train_dir.glob("*.tsv"))


def read_corpus(files: list[Path]) -> list[Example]:
    return [e for f in files for e in read_examples(f)]


def content_hash(paths: list[Path], *extra: str) -> str:
    """SHA-256 over the bytes of the files (in order) and any extra strings."""
    digest = hashlib.sha256()
    for p in paths:
        digest.update(p.name.encode())
        digest.update(hashlib.sha256(p.read_bytes()).digest())
    for e in extra:
        digest.update(e.encode())
    return digest.hexdigest()
