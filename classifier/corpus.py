"""The labelled corpus: `label<TAB>text` files, and a hash that says when it changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_DIR = DATA_DIR / "train"
TEST_DIR = DATA_DIR / "test"
TEST_FILE = TEST_DIR / "test.tsv"
LETTER_HEADER = "label\talso\ttext"


@dataclass(frozen=True, slots=True)
class Example:
    """A labelled text. `label` is a class id, or a family id when the text does not say which member it is;
    `also` holds the further problems a letter states."""

    label: str
    text: str
    also: tuple[str, ...] = ()
    letter: bool = False


def read_examples(path: Path) -> list[Example]:
    """Examples of one file; `#` comment lines and blank lines are skipped.

    Two layouts, told by the header: `label<TAB>text` (header optional), and `label<TAB>also<TAB>text` for letters,
    where `also` is a comma-separated list of further labels (may be empty).
    """
    examples: list[Example] = []
    letters = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.strip() == LETTER_HEADER:
            letters = True
            continue
        if letters:
            parts = line.split("\t")
            if len(parts) != 3 or not parts[2].strip():
                raise ValueError(f"{path.name}:{number}: expected label<TAB>also<TAB>text")
            also = tuple(a.strip() for a in parts[1].split(",") if a.strip())
            examples.append(Example(parts[0].strip(), parts[2].strip(), also, letter=True))
            continue
        label, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected label<TAB>text")
        if label == "label" and text == "text":
            continue
        examples.append(Example(label.strip(), text.strip()))
    return examples


def test_sets(test_dir: Path = TEST_DIR) -> dict[str, list[Path]]:
    """The held-out test sets by name: `short` (notes and messages), `letters` (Chinese letters), `letters_en`."""
    sets = {"short": [test_dir / "test.tsv"], "letters": sorted((test_dir / "letters").glob("*.tsv")),
            "letters_en": sorted((test_dir / "letters_en").glob("*.tsv"))}
    return {name: files for name, files in sets.items() if files and all(f.exists() for f in files)}


SECOND_READING = TEST_DIR / "second_reading" / "letters_sample.tsv"


def second_reading(path: Path = SECOND_READING, test_dir: Path = TEST_DIR) -> list[tuple[Example, Example]]:
    """A sample of the letter test set read twice: each letter as its file labels it and as a second, blind reader
    labelled it by the guide (`id<TAB>label<TAB>also<TAB>note`, the id being `file:index` among the file's letters)."""
    letters: dict[str, list[Example]] = {}
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.startswith("id\t"):
            continue
        ident, label, also = line.split("\t")[:3]
        name, _, index = ident.rpartition(":")
        if name not in letters:
            letters[name] = read_examples(test_dir / "letters" / name)
        if not index.isdigit() or int(index) >= len(letters[name]):
            raise ValueError(f"{path.name}:{number}: no letter {ident}")
        first = letters[name][int(index)]
        second = Example(label, first.text, tuple(a.strip() for a in also.split(",") if a.strip()), letter=True)
        pairs.append((first, second))
    return pairs


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
