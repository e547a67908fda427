"""Pure duplicate scoring: does a new report join an open case, need an operator's look, or start a case?

The store does the indexed pre-filter (`search_box`) and hands candidates here; this
module decides per pair and ranks. Channels play no part: only class, place,
time, text and reporter do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
    threshold: float = 0.25
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
    """What dedup needs of a report or of an open case (WGS-84 place or None, class or None, aware datetime)."""

    class_id: str | None
    lat: float | None
    lon: float | None
    precision_m: float
    created_at: datetime
    text: str
    reporter: str | None = None
    is_open: bool = True


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
) -> Decision:
    """Decide whether `new` joins `candidate` (an open case's representative sighting).

    A follow-up from the same reporter within `follow_up` joins whatever its
    class, if it is within the hard cap or either side has no place; the store
    finds those candidates by reporter key, not by box.
    """
    distance = _distance(new, candidate)
    if not candidate.is_open:
        return Decision("new", distance, 0.0, ("case_closed",))
    gap = abs(new.created_at - candidate.created_at)
    if new.reporter and new.reporter == candidate.reporter and gap <= follow_up and (distance or 0.0) <= HARD_CAP_M:
        return Decision("join", distance, 0.0, ("same_reporter_follow_up",))
    if distance is None:
        return Decision("new", None, 0.0, ("no_location",))
    vague = max(new.precision_m, candidate.precision_m)
    if distance > policy.reach_m(vague):
        return Decision("new", distance, 0.0, ("too_far",))
    if gap > policy.window:
        return Decision("new", distance, 0.0, ("outside_window",))
    if new.class_id is None or candidate.class_id is None:
        return Decision("new", distance, 0.0, ("unclassified",))
    if new.class_id == candidate.class_id:
        reasons = ["same_class"]
    elif family_of(new.class_id) == family_of(candidate.class_id):
        reasons = ["same_family"]
    else:
        return Decision("new", distance, 0.0, ("different_family",))
    required = policy.threshold
    if vague > policy.coarse_precision_m:
        required = min(1.0, required + policy.coarse_extra)
        reasons.append("coarse_location")
    elif reasons[0] == "same_class" and distance <= policy.radius_m * policy.close_fraction:
        required *= policy.close_relief
        reasons.append("very_close")
    reasons.append("beyond_radius" if distance > policy.radius_m else "within_radius")
    sim = similarity(new.text, candidate.text)
    if sim >= required:
        return Decision("join", distance, sim, (*reasons, "text_similar"))
    if sim >= required - policy.borderline:
        return Decision("possible", distance, sim, (*reasons, "text_borderline"))
    return Decision("new", distance, sim, (*reasons, "text_dissimilar"))


def _far(distance_m: float | None) -> float:
    return float("inf") if distance_m is None else distance_m


def rank(
    new: Sighting,
    candidates: Iterable[tuple[str, Sighting]],
    policies: PolicyBook,
    family_of: Callable[[str], str] = major_of,
    similarity: Callable[[str, str], float] = text_similarity,
) -> list[tuple[str, Decision]]:
    """Score every (case id, sighting) pair under the candidate class's policy; best first.

    Order: joins before possibles before news, then nearest, then most similar,
    then case id, so that two equal inputs always give the same answer.
    """
    scored = [
        (case_id, score(new, sighting, policies.policy_for(sighting.class_id or ""), family_of, similarity))
        for case_id, sighting in candidates
    ]
    return sorted(scored, key=lambda p: (_RANK[p[1].verdict], _far(p[1].distance_m), -p[1].similarity, p[0]))


def best_match(
    new: Sighting,
    candidates: Iterable[tuple[str, Sighting]],
    policies: PolicyBook,
    family_of: Callable[[str], str] = major_of,
    similarity: Callable[[str, str], float] = text_similarity,
) -> tuple[str, Decision] | None:
    """The case a new report should join or be offered as a possible duplicate of, if any."""
    ranked = rank(new, candidates, policies, family_of, similarity)
    if ranked and ranked[0][1].verdict != "new":
        return ranked[0]
    return None
