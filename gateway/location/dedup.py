"""Pure duplicate scoring: does a new report join an open case, need an operator's look, or start a case?

The store does the indexed pre-filter (`search_box`) and hands candidates here; this
module decides per pair and ranks. Channels play no part: only class, place,
time, text and reporter do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import re
from typing import Final, Literal

from gateway.location.errors import DedupError
from gateway.location.geo import BBox, bbox, haversine_m
from gateway.location.similarity import text_similarity

HARD_CAP_M: Final = 1000.0
DEFAULT_RADIUS_M: Final = 250.0
DEFAULT_WINDOW: Final = timedelta(hours=72)
FOLLOW_UP_WINDOW: Final = timedelta(hours=4)

Verdict = Literal["join", "possible", "new"]
_RANK: Final[dict[str, int]] = {"join": 0, "possible": 1, "new": 2}


def major_of(class_id: str) -> str:
    """Family of a class id such as 'ev-2013-0110' or 'co-2026-06001': kind and major code.

    The major is the first two digits of the last dash-separated part; an id of
    another shape is its own family.
    """
    parts = class_id.split("-")
    code = parts[-1]
    if len(parts) >= 2 and len(code) >= 4 and code.isdigit():
        return "-".join([*parts[:-1], code[:2]])
    return class_id


@dataclass(frozen=True)
class DedupPolicy:
    """How one class folds duplicates."""

    radius_m: float = DEFAULT_RADIUS_M
    window: timedelta = DEFAULT_WINDOW
    threshold: float = 0.15
    borderline: float = 0.1
    # Locations vaguer than this (metres) are coarse: wider reach, more text needed.
    coarse_precision_m: float = 100.0
    coarse_extra: float = 0.15
    # Same class, precise fixes, within close_fraction of the radius: close_relief × threshold suffices.
    close_fraction: float = 0.25
    close_relief: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.radius_m <= HARD_CAP_M:
            raise DedupError("dedup_radius_out_of_range", radius_m=self.radius_m, cap_m=HARD_CAP_M)
        if self.window <= timedelta(0):
            raise DedupError("dedup_window_not_positive", window_s=self.window.total_seconds())
        if not 0.0 <= self.threshold <= 1.0 or not 0.0 <= self.borderline <= self.threshold:
            raise DedupError("dedup_threshold_out_of_range", threshold=self.threshold, borderline=self.borderline)

    def reach_m(self, precision_m: float) -> float:
        """Largest distance that can still be the same place, given the vaguer fix."""
        extra = precision_m if precision_m > self.coarse_precision_m else 0.0
        return min(self.radius_m + extra, HARD_CAP_M)


@dataclass(frozen=True)
class PolicyBook:
    """Per-class policies with a default for every other class."""

    default: DedupPolicy = field(default_factory=DedupPolicy)
    by_class: Mapping[str, DedupPolicy] = field(default_factory=dict)

    def policy_for(self, class_id: str) -> DedupPolicy:
        """Policy of a class (the default when it has none of its own)."""
        return self.by_class.get(class_id, self.default)


@dataclass(frozen=True)
class Sighting:
    """What dedup needs of a report or of an open case (WGS-84 place or None, class or None, aware datetime).

    `suggestions` are the classifier's likeliest classes with their confidence: a report or case held for review
    (no class) is compared by its first suggestion, and two texts' suggestions say how alike their problems are."""

    class_id: str | None
    lat: float | None
    lon: float | None
    precision_m: float
    created_at: datetime
    text: str
    reporter: str | None = None
    is_open: bool = True
    suggestions: tuple[tuple[str, float], ...] = ()

    @property
    def compared_class(self) -> str | None:
        return self.class_id or (self.suggestions[0][0] if self.suggestions else None)


# A follow-up that says it continues the reporter's earlier report ("补充", "还没修", a photo added).
_CONTINUES = re.compile(r"补充|追加|补一|补发|再补|还没(?:修|弄|处理|解决|人|好)|仍然|依然|还是没|还在|又来了|又开始|照片|图片|附图|补图"
                        r"|同一|刚才|上午|上次|之前反映|刚刚反映|更新|update|still|again|photo|picture|follow")
# Weight of the problems' class likeness against their wording, in the similarity of two texts.
CLASS_WEIGHT: Final = 0.5
# Two classes of different majors are neighbours for two texts whose suggestions overlap this much.
KIN_LIKENESS: Final = 0.2
# A facility and the event seen at it, which two people at one spot report either way (a full bin: 垃圾箱 or 暴露垃圾).
NEIGHBOURS: Final = frozenset({frozenset({"cp-0305", "ev-2013-0110"}), frozenset({"cp-0304", "ev-2013-0110"})})


def class_likeness(a: Sighting, b: Sighting, unit_of: Callable[[str], str]) -> float | None:
    """How alike two texts' problems are by the classifier's suggestions: the overlap of their distributions over
    classes (families as one), 0..1; None when either has none (an agent's class, a case from before suggestions)."""
    if not a.suggestions or not b.suggestions:
        return None

    def dist(s: Sighting) -> dict[str, float]:
        out: dict[str, float] = {}
        for class_id, p in s.suggestions:
            out[unit_of(class_id)] = out.get(unit_of(class_id), 0.0) + p
        return out
    da, db = dist(a), dist(b)
    return round(sum(min(p, db.get(u, 0.0)) for u, p in da.items()), 4)


def problem_similarity(new: Sighting, candidate: Sighting, similarity: Callable[[str, str], float],
                       unit_of: Callable[[str], str]) -> float:
    """The problems' likeness: their wording, blended with their class likeness where both have suggestions."""
    text = similarity(new.text, candidate.text)
    likeness = class_likeness(new, candidate, unit_of)
    if likeness is None:
        return text
    return round((1 - CLASS_WEIGHT) * text + CLASS_WEIGHT * likeness, 4)


@dataclass(frozen=True)
class Decision:
    """Outcome for one (new report, candidate case) pair, with the reasons that led to it."""

    verdict: Verdict
    distance_m: float | None
    similarity: float
    reasons: tuple[str, ...]


def _distance(a: Sighting, b: Sighting) -> float | None:
    """Metres between two sightings, rounded to decimetres; None if either has no place."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    return round(haversine_m(a.lat, a.lon, b.lat, b.lon), 1)


def search_box(lat: float, lon: float, policy: DedupPolicy, precision_m: float = 0.0) -> BBox:
    """The box the store should pre-filter on for a new report under `policy`."""
    return bbox(lat, lon, policy.reach_m(precision_m))


def score(
    new: Sighting,
    candidate: Sighting,
    policy: DedupPolicy,
    family_of: Callable[[str], str] = major_of,
    similarity: Callable[[str, str], float] = text_similarity,
    follow_up: timedelta = FOLLOW_UP_WINDOW,
    unit_of: Callable[[str], str] = lambda c: c,
    places: Callable[[str, str], str] | None = None,
) -> Decision:
    """Decide whether `new` joins `candidate` (an open case's representative sighting).

    `family_of` gives a class's major class (neighbours such as 积存垃圾渣土 and 暴露垃圾 may repeat each other),
    `unit_of` its family (manhole covers of any owner are one problem). `places(a, b)` says whether two texts name
    the "same" place, "different" places or it cannot tell ("unknown"). A follow-up from the same reporter within
    `follow_up` joins when it continues the same problem; a different problem from the same person is a new case.
    """
    distance = _distance(new, candidate)
    if not candidate.is_open:
        return Decision("new", distance, 0.0, ("case_closed",))
    gap = abs(new.created_at - candidate.created_at)
    a, b = new.compared_class, candidate.compared_class
    kin = _kinship(a, b, family_of, unit_of)
    if kin == "different" and (class_likeness(new, candidate, unit_of) or 0.0) >= KIN_LIKENESS:
        kin = "same_major"  # classes apart in the tables, but each text's suggestions hold the other's (垃圾箱 / 暴露垃圾)
    same_reporter = bool(new.reporter and new.reporter == candidate.reporter and gap <= follow_up)
    if same_reporter and (distance or 0.0) <= HARD_CAP_M and (kin in ("same_class", "same_major") or a is None
                                                               or _CONTINUES.search(new.text)):
        return Decision("join", distance, 0.0, ("same_reporter_follow_up",))
    if distance is None:
        return Decision("new", None, 0.0, ("no_location",))
    vague = max(new.precision_m, candidate.precision_m)
    if distance > policy.reach_m(vague):
        return Decision("new", distance, 0.0, ("too_far",))
    if gap > policy.window:
        return Decision("new", distance, 0.0, ("outside_window",))
    if a is None or b is None:
        return Decision("new", distance, 0.0, ("unclassified",))
    if kin == "different":
        return Decision("new", distance, 0.0, ("different_family",))
    reasons = [kin]
    if new.class_id is None or candidate.class_id is None:
        reasons.append("suggested_class")
    named = places(new.text, candidate.text) if places else "unknown"
    if named == "different":
        return Decision("new", distance, 0.0, (*reasons, "different_place_named"))
    required = policy.threshold
    if vague > policy.coarse_precision_m:
        required = min(1.0, required + policy.coarse_extra)
        reasons.append("coarse_location")
    elif kin == "same_class" and (distance <= policy.radius_m * policy.close_fraction or named == "same"):
        required *= policy.close_relief
        reasons.append("very_close" if distance <= policy.radius_m * policy.close_fraction else "same_place_named")
    reasons.append("beyond_radius" if distance > policy.radius_m else "within_radius")
    sim = problem_similarity(new, candidate, similarity, unit_of)
    if sim >= required and "suggested_class" in reasons and sim < required + policy.borderline:
        # A class only suggested joins on clear evidence; otherwise an agent is asked.
        return Decision("possible", distance, sim, (*reasons, "text_similar"))
    if sim >= required:
        return Decision("join", distance, sim, (*reasons, "text_similar"))
    if sim >= required - policy.borderline:
        return Decision("possible", distance, sim, (*reasons, "text_borderline"))
    return Decision("new", distance, sim, (*reasons, "text_dissimilar"))


def _kinship(a: str | None, b: str | None, family_of: Callable[[str], str], unit_of: Callable[[str], str]) -> str:
    """same_class (one class or one family), same_major (neighbours), or different; "unclassified" without a class."""
    if a is None or b is None:
        return "unclassified"
    if unit_of(a) == unit_of(b):
        return "same_class"
    if family_of(a) == family_of(b) or frozenset({a, b}) in NEIGHBOURS:
        return "same_major"
    return "different"


def _far(distance_m: float | None) -> float:
    return float("inf") if distance_m is None else distance_m


def rank(
    new: Sighting,
    candidates: Iterable[tuple[str, Sighting]],
    policies: PolicyBook,
    family_of: Callable[[str], str] = major_of,
    similarity: Callable[[str, str], float] = text_similarity,
    unit_of: Callable[[str], str] = lambda c: c,
    places: Callable[[str, str], str] | None = None,
) -> list[tuple[str, Decision]]:
    """Score every (case id, sighting) pair under the candidate class's policy; best first.

    Order: joins before possibles before news, then nearest, then most similar,
    then case id, so that two equal inputs always give the same answer.
    """
    scored = [
        (case_id, score(new, sighting, policies.policy_for(sighting.compared_class or ""), family_of, similarity,
                        unit_of=unit_of, places=places))
        for case_id, sighting in candidates
    ]
    return sorted(scored, key=lambda p: (_RANK[p[1].verdict], _far(p[1].distance_m), -p[1].similarity, p[0]))


def best_match(
    new: Sighting,
    candidates: Iterable[tuple[str, Sighting]],
    policies: PolicyBook,
    family_of: Callable[[str], str] = major_of,
    similarity: Callable[[str, str], float] = text_similarity,
    unit_of: Callable[[str], str] = lambda c: c,
    places: Callable[[str, str], str] | None = None,
) -> tuple[str, Decision] | None:
    """The case a new report should join or be offered as a possible duplicate of, if any."""
    ranked = rank(new, candidates, policies, family_of, similarity, unit_of, places)
    if ranked and ranked[0][1].verdict != "new":
        return ranked[0]
    return None
