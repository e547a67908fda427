"""Class families: sibling classes a reporter cannot tell apart (manhole covers by owner, boxes, poles …).

A family is decided when the text supports it and the member is not: the case then takes the family's default
member (a city may name its own) with `precision == "family"`, for the platform or an agent to refine.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from classifier.tables import CONFIG_DIR, load_tables

FAMILIES_FILE = "families.csv"
FAMILY_PREFIX = "fam-"


@dataclass(frozen=True, slots=True)
class Family:
    family_id: str
    name: str
    name_en: str
    default: str
    members: tuple[str, ...]
    note: str

    def display_name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name


class Families:
    """The families of the code tables, by id and by member class."""

    def __init__(self, families: Iterable[Family]) -> None:
        self._by_id = {f.family_id: f for f in families}
        self._of: dict[str, str] = {}
        for family in self._by_id.values():
            for member in family.members:
                if member in self._of:
                    raise ValueError(f"{member} belongs to two families: {self._of[member]} and {family.family_id}")
                self._of[member] = family.family_id

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_id.values())

    def __contains__(self, family_id: object) -> bool:
        return family_id in self._by_id

    def get(self, family_id: str) -> Family | None:
        return self._by_id.get(family_id)

    def family_of(self, class_id: str | None) -> Family | None:
        """The family a class belongs to, or None for a class that stands alone."""
        family_id = self._of.get(class_id or "")
        return self._by_id[family_id] if family_id else None

    def unit_of(self, label: str) -> str:
        """The decision unit of a class id or family id: its family id, else the class id itself."""
        if label in self._by_id:
            return label
        return self._of.get(label, label)

    def with_defaults(self, defaults: Mapping[str, str]) -> Families:
        """A copy where a city's own default members replace the shipped ones (each must be a member)."""
        changed = []
        for family in self._by_id.values():
            default = defaults.get(family.family_id, family.default)
            if default not in family.members:
                raise ValueError(f"family default {default!r} is not a member of {family.family_id}")
            changed.append(Family(family.family_id, family.name, family.name_en, default, family.members, family.note))
        unknown = sorted(set(defaults) - set(self._by_id))
        if unknown:
            raise ValueError(f"unknown families in family_defaults: {', '.join(unknown)}")
        return Families(changed)


@cache
def load_families(config_dir: Path = CONFIG_DIR) -> Families:
    """Read and check `families.csv` against the code tables (cached per directory)."""
    tables = load_tables(config_dir)
    families = []
    with (config_dir / FAMILIES_FILE).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            members = tuple(row["members"].split())
            family = Family(row["family_id"], row["name"], row["name_en"], row["default"], members, row["note"])
            if not family.family_id.startswith(FAMILY_PREFIX):
                raise ValueError(f"family id {family.family_id!r} must start with {FAMILY_PREFIX!r}")
            unknown = [m for m in members if m not in tables]
            if unknown:
                raise ValueError(f"{family.family_id}: unknown member classes {', '.join(unknown)}")
            if family.default not in members:
                raise ValueError(f"{family.family_id}: default {family.default} is not a member")
            families.append(family)
    return Families(families)
