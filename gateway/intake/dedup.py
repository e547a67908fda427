"""Duplicate folding against the store: candidates from SQL, the decision from gateway.location.dedup."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from classifier.families import Families, load_families
from classifier.tables import CodeTables
from gateway.location.dedup import FOLLOW_UP_WINDOW, HARD_CAP_M, DedupPolicy, PolicyBook, Sighting, best_match, search_box
from gateway.domain import OPEN_STATUSES, CaseStatus
from gateway.location.geo import BBox, bbox
from gateway.location.similarity import text_similarity
from gateway.store.models import AdminSettingRow, CaseRow
from gateway.store.store import Tx, as_utc

log = logging.getLogger(__name__)
LOCK_CELL_DEG = 0.02  # about 2 km: larger than twice the 1 km hard cap, so a search box touches at most 4 cells
DEDUP_SETTING = "dedup"  # admin_settings key: {"classes": {class id: {"radius_m", "window_hours", "threshold"}}}
POLICY_TTL_SECONDS = 5.0  # how stale another process's per-class settings may be
BOX_LIMIT = 200  # open cases read per report's search box (a safety cap: boxes hold a few)
REPORTER_LIMIT = 5  # a reporter's latest reports whose open cases a follow-up is compared with


def stored_policies(value: Mapping[str, Any] | None, default: DedupPolicy = DedupPolicy()) -> PolicyBook:
    """The policy book administrators stored: per-class radius, window and threshold over the default.

    Raises DedupError for a value out of range (so a bad value is refused before it is stored)."""
    by_class = {
        class_id: replace(default, radius_m=float(v["radius_m"]), window=timedelta(hours=float(v["window_hours"])), threshold=float(v["threshold"]),
                          borderline=min(default.borderline, float(v["threshold"])))
        for class_id, v in ((value or {}).get("classes") or {}).items()
    }
    return PolicyBook(default, by_class)


def is_open(case: CaseRow) -> bool:
    return CaseStatus(case.status) in OPEN_STATUSES


@dataclass
class Pool:
    """The open cases a group of reports may repeat, read once for the whole group. A case the group makes is added,
    so that a later report of the same group can join it as it would join one made before."""

    near: list[CaseRow] = field(default_factory=list)
    of_reporter: dict[str, list[tuple[datetime, CaseRow]]] = field(default_factory=dict)  # newest report first

    def add(self, case: CaseRow, reporter: str | None) -> None:
        self.near.append(case)
        if reporter:
            self.of_reporter.setdefault(reporter, []).insert(0, (as_utc(case.created_at), case))


@dataclass(frozen=True)
class Match:
    """The open case a report repeats (`joined`), or one it may repeat (`possible`), and why."""

    case: CaseRow
    verdict: str
    distance_m: float | None
    similarity: float
    reasons: tuple[str, ...]


def lock_cells(lat: float, lon: float, radius_m: float = HARD_CAP_M) -> list[str]:
    """Grid cells touched by the search box around a point: reports that could merge share one."""
    box = bbox(lat, lon, radius_m)
    cells = set()
    for la in (box.min_lat, box.max_lat):
        for lo in (box.min_lon, box.max_lon):
            cells.add(f"{int(la // LOCK_CELL_DEG)}:{int(lo // LOCK_CELL_DEG)}")
    return sorted(cells)


class Deduplicator:
    """Finds the open case a new report repeats: by reporter follow-up, or by class family, place, time and text."""

    def __init__(self, tables: CodeTables, policies: PolicyBook | None = None, similarity: Callable[[str, str], float] = text_similarity,
                 families: Families | None = None) -> None:
        """Without `policies`, the administrators' stored settings are followed (re-read every POLICY_TTL_SECONDS).

        `similarity` may also compare the places two texts name (a `places(a, b)` method, as ComplaintSimilarity has)."""
        self.tables = tables
        self.fixed = policies is not None
        self.policies = policies or PolicyBook()
        self.similarity = similarity
        self.places: Callable[[str, str], str] | None = getattr(similarity, "places", None)
        self.families = families or load_families()
        self._policies_read: float | None = None

    def forget_policies(self) -> None:
        """Re-read the stored settings on the next search (this process changed them)."""
        self._policies_read = None

    async def _follow_settings(self, tx: Tx) -> None:
        now = time.monotonic()
        if self.fixed or (self._policies_read is not None and now - self._policies_read < POLICY_TTL_SECONDS):
            return
        row = await tx.session.get(AdminSettingRow, DEDUP_SETTING)
        try:
            self.policies = stored_policies(row.value if row else None)
        except (ValueError, LookupError, TypeError):  # a bad stored value must not stop intake
            log.exception("duplicate settings in admin_settings[%r] are unusable; keeping the ones in use", DEDUP_SETTING)
        self._policies_read = now

    def lock_keys(self, class_id: str | None, lat: float | None, lon: float | None, reporter: str | None) -> list[str]:
        keys = [f"reporter:{reporter}"] if reporter else []
        if class_id is not None and lat is not None and lon is not None:
            family = self.tables.major_of(class_id)
            keys += [f"dedup:{family}:{cell}" for cell in lock_cells(lat, lon)]
        return keys

    def family(self, class_id: str) -> str:
        return self.tables.major_of(class_id) if class_id in self.tables else class_id

    async def find(self, tx: Tx, new: Sighting) -> Match | None:
        """The best open case for `new` (a report held for review is searched by its first suggestion), or None."""
        return self.find_in(new, await self.pool(tx, [new]))

    def _search(self, new: Sighting) -> tuple[BBox, datetime] | None:
        """The box and the earliest creation time of the open cases `new` is compared with by place."""
        searched = new.compared_class
        if not searched or new.lat is None or new.lon is None:
            return None
        policy = self.policies.policy_for(searched)
        return search_box(new.lat, new.lon, policy, new.precision_m), new.created_at - max(policy.window, self.policies.default.window)

    async def pool(self, tx: Tx, group: list[Sighting]) -> Pool:
        """Every open case that a report of `group` may repeat, with one query by place and one by reporter."""
        await self._follow_settings(tx)
        pool = Pool()
        searches = [found for new in group if (found := self._search(new)) is not None]
        if searches:
            boxes = [(b.min_lat, b.max_lat, b.min_lon, b.max_lon) for b, _ in searches]
            pool.near = await tx.open_cases_in_boxes(boxes, min(since for _, since in searches), limit=BOX_LIMIT * len(boxes))
        reporters = {new.reporter: new.created_at - FOLLOW_UP_WINDOW for new in group if new.reporter}
        if reporters:
            for key, received_at, case in await tx.open_cases_of_reporters(list(reporters), min(reporters.values()), REPORTER_LIMIT):
                pool.of_reporter.setdefault(key, []).append((as_utc(received_at), case))
        return pool

    def find_in(self, new: Sighting, pool: Pool) -> Match | None:
        """The best open case of `pool` for `new`, or None."""
        candidates: dict[int, CaseRow] = {}
        theirs: set[int] = set()
        if new.reporter:
            since = new.created_at - FOLLOW_UP_WINDOW
            recent = [case for received_at, case in pool.of_reporter.get(new.reporter, ()) if received_at >= since and is_open(case)]
            for case in recent[:REPORTER_LIMIT]:
                candidates[case.id] = case
                theirs.add(case.id)
        search = self._search(new)
        if search is not None:
            box, since = search
            for case in pool.near:
                if (is_open(case) and (case.class_id or case.suggestions) and case.lat is not None and case.lon is not None
                        and box.min_lat <= case.lat <= box.max_lat and box.min_lon <= case.lon <= box.max_lon
                        and as_utc(case.created_at) >= since):
                    candidates.setdefault(case.id, case)
        sightings = [(str(c.id), self.sighting(c, new.reporter if c.id in theirs else None)) for c in candidates.values()]
        found = best_match(new, sightings, self.policies, self.family, self.similarity, self.families.unit_of, self.places)
        if found is None:
            return None
        case_id, decision = found
        return Match(candidates[int(case_id)], decision.verdict, decision.distance_m, decision.similarity, decision.reasons)

    @staticmethod
    def sighting(case: CaseRow, reporter: str | None = None) -> Sighting:
        """A case as dedup sees it; `reporter` when the new report's reporter is among its reporters."""
        return Sighting(
            class_id=case.class_id,
            lat=case.lat,
            lon=case.lon,
            precision_m=case.precision_m or 0.0,
            created_at=as_utc(case.created_at),
            text=case.text,
            reporter=reporter,
            suggestions=tuple((str(c), float(p)) for c, p in case.suggestions or ()),
        )
