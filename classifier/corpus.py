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
OUT_OF_SCOPE = "out-of-scope"
"""The label of a text whose problem no class of the standard covers (see LABELLING.md)."""


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
            examples.append(Example(parts[0].strip(), parts[2].strip(), _labels(parts[1]), letter=True))
            continue
        label, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected label<TAB>text")
        if label == "label" and text == "text":
            continue
        examples.append(Example(label.strip(), text.strip()))
    return examples


def test_sets(test_dir: Path = TEST_DIR) -> dict[str, list[Path]]:
    """The held-out test sets by name: `short` (notes and messages), `letters` (Chinese letters), `letters_en`, and
    `scope` (texts outside the standard and in-scope texts that resemble them)."""
    sets = {"short": [test_dir / "test.tsv"], "letters": sorted((test_dir / "letters").glob("*.tsv")),
            "letters_en": sorted((test_dir / "letters_en").glob("*.tsv")), "scope": sorted((test_dir / "scope").glob("*.tsv"))}
    return {name: files for name, files in sets.items() if files and all(f.exists() for f in files)}


# Under the test directory: the second readings of test sets and the adjudications of their disputes, by set name.
SECOND_READING = Path("second_reading")


@dataclass(frozen=True, slots=True)
class Readings:
    """One text of a test set as its writer labelled it, as a second blind reader did, and as the test set labels it:
    the writer's label, or the adjudicator's where the two readings named different classes."""

    first: Example
    second: Example
    test: Example
    decided: str | None
    """The adjudicator's label, for the texts whose readings were disputed."""


def _rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#") and not line.startswith("id\t")]


def read_twice(test_dir: Path = TEST_DIR) -> list[str]:
    """The test sets read a second time."""
    return sorted(name for name in test_sets(test_dir) if (test_dir / SECOND_READING / f"{name}.tsv").exists())


def readings(name: str = "letters", test_dir: Path = TEST_DIR) -> list[Readings]:
    """A test set read twice (`second_reading/<name>.tsv`: `id<TAB>label<TAB>also<TAB>note`, the id being
    `file:index` among the file's examples) and its disputes adjudicated (`second_reading/<name>_adjudicated.tsv`,
    which keeps the writer's label and further problems of every text it decides)."""
    files = {f.name: f for f in test_sets(test_dir)[name]}
    examples: dict[str, list[Example]] = {}
    decided = {row[0]: row for row in _rows(test_dir / SECOND_READING / f"{name}_adjudicated.tsv")}
    out = []
    for number, row in enumerate(_rows(test_dir / SECOND_READING / f"{name}.tsv"), 1):
        ident, label, also = row[:3]
        file, _, index = ident.rpartition(":")
        if file not in examples:
            if file not in files:
                raise ValueError(f"{name}.tsv:{number}: no file {file} in the test set {name}")
            examples[file] = read_examples(files[file])
        if not index.isdigit() or int(index) >= len(examples[file]):
            raise ValueError(f"{name}.tsv:{number}: no example {ident}")
        test = examples[file][int(index)]
        first = test
        if ident in decided:
            first_label, first_also = (decided[ident] + ["", ""])[4:6]
            first = Example(first_label, test.text, _labels(first_also), letter=test.letter)
        second = Example(label, test.text, _labels(also), letter=test.letter)
        out.append(Readings(first, second, test, decided[ident][1] if ident in decided else None))
    return out


def _labels(field: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in field.split(",") if a.strip())


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
