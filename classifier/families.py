"""Class families: sibling classes a reporter cannot tell apart (manhole covers by owner, boxes, poles …).

A family is decided when the text supports it and the member is not: the case then takes the family's default
member (a city may name its own) with `precision == "family"`, for the platform or an agent to refine.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from classifier.tables import CONFIG_DIR, load_tables

FAMILIES_FILE = "families.csv"
MARKERS_FILE = "family_markers.csv"
FAMILY_PREFIX = "fam-"
# An owner word names the member when it stands right before the family's head word ("燃气井盖", "电信的箱子") …
_BETWEEN = re.compile(r"(?:的|公司的|局的|集团的|部门的|家的|用的|专用的?|管的)?")
# … or follows it after a word of marking ("井盖上写着电信", "箱子上印着燃气").
_MARKED = re.compile(r"(?:写着|印着|标着|刻着|写的|印的|标的|字样|上面是|上面有|上有|是)")
AFTER_MARK = 6


@dataclass(frozen=True, slots=True)
class Family:
    family_id: str
    name: str
    name_en: str
    default: str
    members: tuple[str, ...]
    note: str
    heads: tuple[str, ...] = ()
    markers: tuple[tuple[str, str], ...] = ()  # (member, owner word), longest words first
    # The member that means "owner not known" (无主井盖, 立杆): the shipped default, whatever a city's default is.
    unknown: str = ""

    def __post_init__(self) -> None:
        if not self.unknown:
            object.__setattr__(self, "unknown", self.default)

    def display_name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name

    def stated(self, text: str) -> list[tuple[str, str]]:
        """(member, owner word) for every member whose owner word the text attaches to the family's head word:
        "燃气井盖", "电信的箱子", "井盖上写着'污水'"; a word the head word itself contains ("行道树") counts alone."""
        found = []
        for member, word in self.markers:
            for m in re.finditer(re.escape(word), text):
                if any(h in word for h in self.heads) or self._attached(text, m.start(), m.end()):
                    found.append((member, word))
                    break
        return found

    def _attached(self, text: str, start: int, end: int) -> bool:
        gap = _BETWEEN.match(text, end)
        rest = text[gap.end() if gap else end:]
        if any(rest.startswith(h) for h in self.heads):
            return True
        before = text[max(0, start - AFTER_MARK - 12):start]
        mark = None
        for mark in _MARKED.finditer(before):
            pass
        if mark is None or start - (max(0, start - AFTER_MARK - 12) + mark.end()) > AFTER_MARK:
            return False
        return any(h in before[:mark.start()] for h in self.heads)


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
            changed.append(Family(family.family_id, family.name, family.name_en, default, family.members, family.note,
                                  family.heads, family.markers, family.unknown))
        unknown = sorted(set(defaults) - set(self._by_id))
        if unknown:
            raise ValueError(f"unknown families in family_defaults: {', '.join(unknown)}")
        return Families(changed)


@cache
def load_families(config_dir: Path = CONFIG_DIR) -> Families:
    """Read and check `families.csv` against the code tables (cached per directory)."""
    tables = load_tables(config_dir)
    markers: dict[str, list[str]] = {}
    with (config_dir / MARKERS_FILE).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["class_id"] not in tables:
                raise ValueError(f"{MARKERS_FILE}: unknown class {row['class_id']}")
            markers[row["class_id"]] = row["markers"].split()
    families = []
    with (config_dir / FAMILIES_FILE).open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            members = tuple(row["members"].split())
            words = sorted(((m, w) for m in members for w in markers.pop(m, [])), key=lambda mw: -len(mw[1]))
            family = Family(row["family_id"], row["name"], row["name_en"], row["default"], members, row["note"],
                            tuple(row["heads"].split()), tuple(words))
            if not family.family_id.startswith(FAMILY_PREFIX):
                raise ValueError(f"family id {family.family_id!r} must start with {FAMILY_PREFIX!r}")
            unknown = [m for m in members if m not in tables]
            if unknown:
                raise ValueError(f"{family.family_id}: unknown member classes {', '.join(unknown)}")
            if family.default not in members:
                raise ValueError(f"{family.family_id}: default {family.default} is not a member")
            families.append(family)
    if markers:
        raise ValueError(f"{MARKERS_FILE}: classes in no family: {', '.join(sorted(markers))}")
    return Families(families)
