"""Code tables: every class held once under a stable id, written out in any edition."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

Kind = Literal["event", "component"]

EDITIONS: tuple[str, ...] = ("cjt214-2007", "gbt30428-2013", "gbt47678-2026")
DEFAULT_EDITION = "gbt30428-2013"
UNMAPPED = "unmapped"

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config" / "classes"
NAMES_EN = "names_en.csv"
MAJORS_EN = "majors_en.csv"


@dataclass(frozen=True, slots=True)
class ClassCode:
    """One class written out in one edition."""

    kind: Kind
    major_code: str
    major_name: str
    minor_code: str
    minor_name: str
    edition: str
    inferred: bool = False

    def as_dict(self) -> dict[str, str | bool]:
        return {
            "kind": self.kind,
            "major_code": self.major_code,
            "major_name": self.major_name,
            "minor_code": self.minor_code,
            "minor_name": self.minor_name,
            "edition": self.edition,
            "inferred": self.inferred,
        }


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """A class under its stable internal id, with its minor code in each edition (None = unmapped) and its English name."""

    class_id: str
    kind: Kind
    name: str
    codes: dict[str, str | None]
    note: str
    name_en: str


class TableError(ValueError):
    """The code tables are inconsistent."""


class CodeTables:
    """The three editions and the classes that map onto them, with English names for classes and majors."""

    def __init__(self, classes: list[ClassInfo], editions: dict[str, dict[tuple[str, str], ClassCode]],
                 majors_en: dict[tuple[str, ...], str]):
        self._classes = {c.class_id: c for c in classes}
        self._editions = editions
        self._majors_en = majors_en
        self._reverse: dict[tuple[str, str, str], str] = {}
        self._validate(classes)

    def _validate(self, classes: list[ClassInfo]) -> None:
        if len(self._classes) != len(classes):
            raise TableError("duplicate class id in classes.csv")
        for info in classes:
            if not info.name_en.strip():
                raise TableError(f"{info.class_id} has no English name in {NAMES_EN}")
            for edition, code in info.codes.items():
                if code is None:
                    continue
                if (info.kind, code) not in self._editions[edition]:
                    raise TableError(f"{info.class_id}: {info.kind} {code} is not in edition {edition}")
                key = (edition, info.kind, code)
                if key in self._reverse:
                    raise TableError(f"{edition} {info.kind} {code} claimed by {self._reverse[key]} and {info.class_id}")
                self._reverse[key] = info.class_id
        for edition, rows in self._editions.items():
            for row in rows.values():
                if not self._majors_en.get((row.kind, row.major_name), "").strip():
                    raise TableError(f"{edition} {row.kind} major {row.major_name} has no English name in {MAJORS_EN}")

    def classes(self) -> list[ClassInfo]:
        return list(self._classes.values())

    def get(self, class_id: str) -> ClassInfo | None:
        return self._classes.get(class_id)

    def label(self, class_id: str | None, language: str = "zh", *, edition: str = DEFAULT_EDITION, major: bool = True) -> str | None:
        """A class as people read it in `language` (English for 'en', else Chinese); None if unknown.

        '<major> · <minor>' of `edition` (the class's own name where the edition has no counterpart), or with
        `major=False` the class's own name alone. In English the class and major names are the project's
        translations (names_en.csv, majors_en.csv); in Chinese the edition's names."""
        info = self._classes.get(class_id) if class_id else None
        if info is None:
            return None
        english = language == "en"
        own = info.name_en if english else info.name
        code = self.render(info.class_id, edition) if major else None
        if code is None:
            return own
        return f"{self.major_label(code.kind, code.major_name, language)} · {own if english else code.minor_name}"

    def major_label(self, kind: Kind, major_name: str, language: str = "zh") -> str:
        """A major class (by kind and its Chinese name in any edition) in `language`."""
        return self._majors_en[(kind, major_name)] if language == "en" else major_name

    def __contains__(self, class_id: object) -> bool:
        return class_id in self._classes

    def edition_rows(self, edition: str) -> list[ClassCode]:
        return list(self._edition(edition).values())

    def render(self, class_id: str, edition: str, *, allow_inferred: bool = True) -> ClassCode | None:
        """The class written in `edition`; None when it has no counterpart there (explicitly unmapped)."""
        info = self._classes.get(class_id)
        if info is None:
            raise KeyError(f"unknown class id {class_id!r}")
        code = info.codes[self._check_edition(edition)]
        if code is None:
            return None
        row = self._editions[edition][(info.kind, code)]
        if row.inferred and not allow_inferred:
            return None
        return row

    def lookup(self, edition: str, minor_code: str, kind: Kind | None = None) -> str | None:
        """The class id behind a minor code of `edition`; `kind` is needed where events and components share codes."""
        self._check_edition(edition)
        kinds: tuple[Kind, ...] = (kind,) if kind else ("event", "component")
        found = [self._reverse[k] for k in ((edition, kd, minor_code) for kd in kinds) if k in self._reverse]
        if len(found) > 1:
            raise ValueError(f"{edition} code {minor_code} names both an event and a component class: pass kind")
        return found[0] if found else None

    def major_of(self, class_id: str) -> str:
        """The major class group (kind and major name) used to score major-class accuracy."""
        for edition in (DEFAULT_EDITION, "cjt214-2007", "gbt47678-2026"):
            code = self.render(class_id, edition)
            if code is not None:
                return f"{code.kind}:{code.major_name}"
        raise TableError(f"{class_id} has no code in any edition")

    def _edition(self, edition: str) -> dict[tuple[str, str], ClassCode]:
        return self._editions[self._check_edition(edition)]

    @staticmethod
    def _check_edition(edition: str) -> str:
        if edition not in EDITIONS:
            raise ValueError(f"unknown edition {edition!r}; expected one of {', '.join(EDITIONS)}")
        return edition


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _read_edition(path: Path, edition: str) -> dict[tuple[str, str], ClassCode]:
    rows: dict[tuple[str, str], ClassCode] = {}
    for r in _read_csv(path):
        key = (r["kind"], r["minor_code"])
        if key in rows:
            raise TableError(f"{path.name}: duplicate {r['kind']} code {r['minor_code']}")
        if not (r["major_name"] and r["minor_name"]):
            raise TableError(f"{path.name}: {r['kind']} {r['minor_code']} lacks a name")
        rows[key] = ClassCode(
            kind=r["kind"],  # type: ignore[arg-type]
            major_code=r["major_code"],
            major_name=r["major_name"],
            minor_code=r["minor_code"],
            minor_name=r["minor_name"],
            edition=edition,
            inferred=r["provenance"].startswith("inferred"),
        )
    return rows


def _parse_code(class_id: str, edition: str, cell: str) -> str | None:
    if cell == UNMAPPED:
        return None
    if not cell:
        raise TableError(f"{class_id}: empty cell for {edition}; write a code or '{UNMAPPED}'")
    return cell


def _read_names_en(path: Path, key: tuple[str, ...]) -> dict[tuple[str, ...], str]:
    """English names keyed by the `key` columns; a key given twice is an error."""
    names: dict[tuple[str, ...], str] = {}
    for r in _read_csv(path):
        k = tuple(r[c] for c in key)
        if k in names:
            raise TableError(f"{path.name}: {' '.join(k)} named twice")
        names[k] = r["name_en"].strip()
    return names


@cache
def load_tables(config_dir: Path = CONFIG_DIR) -> CodeTables:
    """Read and validate the code tables (cached per directory)."""
    editions = {e: _read_edition(config_dir / "editions" / f"{e}.csv", e) for e in EDITIONS}
    rows = _read_csv(config_dir / "classes.csv")
    names_en = _read_names_en(config_dir / NAMES_EN, ("class_id",))
    unknown = sorted(k[0] for k in names_en.keys() - {(r["class_id"],) for r in rows})
    if unknown:
        raise TableError(f"{NAMES_EN} names classes not in classes.csv: {', '.join(unknown)}")
    classes = [
        ClassInfo(
            class_id=r["class_id"],
            kind=r["kind"],  # type: ignore[arg-type]
            name=r["name"],
            codes={e: _parse_code(r["class_id"], e, r[e]) for e in EDITIONS},
            note=r["note"],
            name_en=names_en.get((r["class_id"],), ""),
        )
        for r in rows
    ]
    majors_en = _read_names_en(config_dir / MAJORS_EN, ("kind", "major_name"))
    return CodeTables(classes, editions, majors_en)
