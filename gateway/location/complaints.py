"""Two complaints compared as a reader would: the problem each states, and the place each names.

Whole-letter similarity is low between two long letters that share only their problem and their place: greetings,
histories, neighbourhood context and pleas differ. Here a text is cut to its problem sentences (classifier.letters)
with the place phrases taken out, and the places are compared on their own: two texts naming different places
(幸福小区北门 / 阳光花园南门, 人民路30号 / 人民路210号) are not the same problem, whatever their coordinates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from classifier.letters import sentences
from classifier.text import normalize
from gateway.location.places import PlaceFinder
from gateway.location.similarity import TextSimilarity

PlaceRelation = Literal["same", "different", "unknown"]
FEATURE_CACHE = 4096
# House numbers on one road further apart than this are different places.
NUMBER_GAP = 20
_HOUSE_NUMBER = re.compile(r"(\d{1,4})\s*号(?!楼)")
_PARTS = {
    "gate": re.compile(r"(东南|东北|西南|西北|东|西|南|北|正|后|侧)\s*(?:大)?门"),
    "building": re.compile(r"(\d{1,3}|[一二三四五六七八九十]{1,3})\s*(?:栋|幢|号楼|座)"),
    "exit": re.compile(r"([a-z]|\d{1,2})\s*(?:号)?(?:出口|口)(?![罩袋])"),
}
_GENERIC_PLACE = re.compile(r"^(?:路口|十字路口|交叉口|门口|小区|附近|旁边|对面|马路|大门|东门|西门|南门|北门)$")


# What kind of place a name is, by its shape, when the gazetteer does not know it: only names of one kind can tell two
# places apart (a school and the crossing next to it may be one place; two different roads cannot).
_NAME_KINDS = (
    ("road", re.compile(r"^[\u4e00-\u9fff]{2,}(?:路|街|大街|大道|巷|弄)$")),
    ("estate", re.compile(r"^[\u4e00-\u9fff]{2,}(?:小区|花园|新村|家园|苑|园|公寓|大厦|村|里|坊|城)$")),
)


@dataclass(frozen=True)
class Reading:
    """What a comparison needs of one text: its problem words, the names of its places (and which the gazetteer
    knows), their house numbers."""

    problem: str
    names: frozenset[str]
    known: frozenset[str]
    numbers: dict[str, frozenset[int]]
    # Finer places inside a named one, by kind: gates (东门), buildings (3栋), metro exits (B口).
    parts: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # name -> road | estate | landmark


_ESTATE_KINDS = re.compile(r"estate|community|小区|新村|花园|家园|苑|社区|公寓")
# A landmark named in the text that the place finder does not know ("梧桐小学", "中医院"): a short name before its suffix.
_LANDMARK = re.compile(r"([\u4e00-\u9fff]{1,6}?)(小学|中学|幼儿园|大学|医院|卫生院|银行|超市|商场|公园|广场|菜市场|菜场|农贸市场|地铁站|大厦|酒店|宾馆|体育馆|图书馆)")
_NOT_IN_NAME = re.compile(r".*(?:路|街|道|区|镇|的|在|是|了|和|与|到|从|那|这|个|家|我|们|边|口|旁|对面)")


def _known_kind(kind: str) -> str:
    return "road" if kind == "road" else ("estate" if _ESTATE_KINDS.search(kind) else "landmark")


def _landmarks(text: str) -> list[str]:
    """Short landmark names by their suffix, cut after the last word that cannot be inside a name."""
    found = []
    for m in _LANDMARK.finditer(text):
        head = _NOT_IN_NAME.sub("", text[max(0, m.start() - 6):m.start(2)])
        if len(head) >= 2:
            found.append(head[-4:] + m.group(2))
    return found


def _split_roads(name: str) -> list[str]:
    """A phrase the finder kept as one that holds two roads ("文化路胜利路"): the roads."""
    roads = re.findall(r"[\u4e00-\u9fff]{2,4}?(?:路|街|大道)", name)
    return roads if len(roads) >= 2 and "".join(roads) == name else [name]


def _alike(a: str, b: str) -> bool:
    """Two names for one place: equal, or one inside the other (中心菜市场 / 菜市场, 和平路路口 / 和平路)."""
    return a in b or b in a


class ComplaintSimilarity:
    """`similarity(a, b)`: the problems' likeness (0..1); `places(a, b)`: same, different or unknown places."""

    def __init__(self, finder: PlaceFinder, text: TextSimilarity) -> None:
        self.finder = finder
        self.text = text
        self._read = lru_cache(maxsize=FEATURE_CACHE)(self._reading)
        self._known_kinds: dict[str, str] = {}
        for n, k in finder.gazetteer.names():
            main = finder.gazetteer.canonical(n) or n
            if self._known_kinds.get(main) in (None, "landmark"):  # a road or an estate also listed as a spot stays one
                self._known_kinds[main] = _known_kind(k)

    def _reading(self, raw: str) -> Reading:
        norm = normalize(raw)
        parts = sentences(norm)
        problem_parts, names, known, numbers = [], set(), set(), {}
        parts_of: dict[str, dict[str, set[str]]] = {}
        for s in parts or []:
            cut, last = [], 0
            for phrase, start, end, _known in self.finder.phrases(s.text):
                cut.append(s.text[last:start])
                last = end
                for name in (n for whole in self._names(phrase) for n in _split_roads(whole)):
                    main = self.finder.gazetteer.canonical(name)
                    if main:
                        name = main
                        known.add(name)
                    names.add(name)
                    found = frozenset(int(n) for n in _HOUSE_NUMBER.findall(phrase))
                    if found:
                        numbers[name] = numbers.get(name, frozenset()) | found
                    tail = s.text[end:end + 12]
                    for kind, pattern in _PARTS.items():
                        hit = pattern.search(phrase[phrase.find(name) + len(name):] + tail[:6])
                        if hit:
                            parts_of.setdefault(name, {}).setdefault(kind, set()).add(hit.group(1))
            cut.append(s.text[last:])
            for landmark in _landmarks(s.text):
                if not any(_alike(landmark, n) for n in names):
                    names.add(landmark)
            if s.role == "problem":
                problem_parts.append("".join(cut))
        kinds = {n: kind for n in names if (kind := self._kind(n))}
        return Reading(",".join(problem_parts) or norm, frozenset(names), frozenset(known), numbers,
                       {n: {k: frozenset(v) for k, v in ks.items()} for n, ks in parts_of.items()}, kinds)

    def _kind(self, name: str) -> str | None:
        known = self._known_kinds.get(name)
        if known:
            return known
        return next((kind for kind, shape in _NAME_KINDS if shape.match(name)), None)

    def _names(self, phrase: str) -> list[str]:
        """Proper names inside a place phrase (roads, estates, landmarks), not its tails."""
        tokens = [w for w, flag, _ in self.finder._tokens(phrase)]
        return [w for w in tokens if len(w) >= 2 and not _GENERIC_PLACE.match(w)
                and self.finder._is_place(w, "ns" if w in self.finder._names else "x")]

    def problem(self, text: str) -> str:
        """The problem sentences of a text without their place phrases."""
        return self._read(text).problem

    def __call__(self, a: str, b: str) -> float:
        return self.text(self._read(a).problem, self._read(b).problem)

    def places(self, a: str, b: str) -> PlaceRelation:
        """"same" when the texts share a place name (one inside the other counts) and no house numbers far apart on it;
        "different" when both name distinct places that cannot be one (gazetteer names, or names shaped like a road or
        an estate); otherwise "unknown" (abbreviations, landmarks, no place named)."""
        ra, rb = self._read(a), self._read(b)
        shared = [(x, y) for x in ra.names for y in rb.names if _alike(x, y)]
        for x, y in shared:
            na, nb = ra.numbers.get(x), rb.numbers.get(y)
            if na and nb and min(abs(p - q) for p in na for q in nb) > NUMBER_GAP:
                return "different"
            pa, pb = ra.parts.get(x, {}), rb.parts.get(y, {})
            if any(pa.get(kind) and pb.get(kind) and not pa[kind] & pb[kind] for kind in _PARTS):
                return "different"  # 锦绣家园东门 / 锦绣家园西门, 3栋 / 11栋
        # Places of one kind named on both sides and none shared: different (two roads, two estates, two landmarks).
        for kind in {k for k in ra.kinds.values()} & {k for k in rb.kinds.values()}:
            of_a = [n for n, k in ra.kinds.items() if k == kind]
            of_b = [n for n, k in rb.kinds.items() if k == kind]
            if not any(_alike(x, y) for x in of_a for y in of_b):
                return "different"
        return "same" if shared else "unknown"
