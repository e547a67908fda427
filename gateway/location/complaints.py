"""Two complaints compared as a reader would: the problem each states, and the place each names.

Whole-letter similarity is low between two long letters that share only their problem and their place: greetings,
histories, neighbourhood context and pleas differ. Here a text is cut to its problem sentences (classifier.letters)
with the place phrases taken out, and the places are compared on their own: two texts naming different places
(幸福小区北门 / 阳光花园南门, 人民路30号 / 人民路210号) are not the same problem, whatever their coordinates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
_HOUSE_NUMBER = re.compile(r"(\d{1,4})\s*号")
_GENERIC_PLACE = re.compile(r"^(?:路口|十字路口|交叉口|门口|小区|附近|旁边|对面|马路|大门|东门|西门|南门|北门)$")


# A name the gazetteer does not know is trusted to tell places apart only when it is shaped like a road, estate or venue.
_DISTINCT_NAME = re.compile(r"^[\u4e00-\u9fff]{2,}(?:路|街|大街|大道|巷|弄|小区|花园|新村|家园|苑|园|公寓|大厦|广场|村|里|坊|城)$")


@dataclass(frozen=True)
class Reading:
    """What a comparison needs of one text: its problem words, the names of its places (and which the gazetteer
    knows), their house numbers."""

    problem: str
    names: frozenset[str]
    known: frozenset[str]
    numbers: dict[str, frozenset[int]]


def _alike(a: str, b: str) -> bool:
    """Two names for one place: equal, or one inside the other (中心菜市场 / 菜市场, 和平路路口 / 和平路)."""
    return a in b or b in a


class ComplaintSimilarity:
    """`similarity(a, b)`: the problems' likeness (0..1); `places(a, b)`: same, different or unknown places."""

    def __init__(self, finder: PlaceFinder, text: TextSimilarity) -> None:
        self.finder = finder
        self.text = text
        self._read = lru_cache(maxsize=FEATURE_CACHE)(self._reading)

    def _reading(self, raw: str) -> Reading:
        norm = normalize(raw)
        parts = sentences(norm)
        problem_parts, names, known, numbers = [], set(), set(), {}
        for s in parts or []:
            cut, last = [], 0
            for phrase, start, end, _known in self.finder.phrases(s.text):
                cut.append(s.text[last:start])
                last = end
                for name in self._names(phrase):
                    main = self.finder.gazetteer.canonical(name)
                    if main:
                        name = main
                        known.add(name)
                    names.add(name)
                    found = frozenset(int(n) for n in _HOUSE_NUMBER.findall(phrase))
                    if found:
                        numbers[name] = numbers.get(name, frozenset()) | found
            cut.append(s.text[last:])
            if s.role == "problem":
                problem_parts.append("".join(cut))
        return Reading(",".join(problem_parts) or norm, frozenset(names), frozenset(known), numbers)

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
        if shared:
            return "same"
        distinct_a = {n for n in ra.names if n in ra.known or _DISTINCT_NAME.match(n)}
        distinct_b = {n for n in rb.names if n in rb.known or _DISTINCT_NAME.match(n)}
        return "different" if distinct_a and distinct_b else "unknown"
