"""The intake pipeline: classify and locate, then (group commit) lock, dedup, store, outbox. It knows no channel."""
from __future__ import annotations

import logging
import re
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from classifier import Classification, Classifier
from classifier.families import load_families
from classifier.tables import CodeTables
from gateway.intake.dedup import Deduplicator, Match, Pool
from gateway.intake.group_commit import GroupCommit
from gateway.domain import CASE_SOURCE, OPEN_STATUSES, CaseStatus, Channel, ReportIn
from gateway.location import LocationError, Locator
from gateway.location.crs import to_wgs84
from gateway.location.dedup import Sighting
from gateway.media import NAME_PATTERN as MEDIA_NAME, MediaStore
from gateway.delivery.outbox import Outbox
from gateway.delivery.payload import case_number
from gateway.intake.reporters import reporter_key
from gateway.store.models import CaseRow, ReportRow
from gateway.store.store import Store, Tx, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Located:
    """Where a report is, in WGS-84, and how well we know it."""

    lat: float
    lon: float
    precision_m: float | None = None
    source: str = "gps"
    label: str | None = None
    grid_code: str | None = None


@dataclass(frozen=True)
class Classified:
    """The class decision for a report: an agent's, the model's, or none (review), with the model's suggestions."""

    class_id: str | None
    confidence: float | None
    source: str
    review_reason: str | None
    precision: str | None = None
    family_id: str | None = None
    also: tuple[dict[str, Any], ...] = ()
    suggestions: tuple[tuple[str, float], ...] = ()

    @property
    def search_class(self) -> str | None:
        """The class duplicates are searched with: the decided one, else the model's first suggestion."""
        return self.class_id or (self.suggestions[0][0] if self.suggestions else None)


def classified(result: Classification) -> Classified:
    """The model's answer as intake keeps it: the decision (or none, with the reason) and the suggestions."""
    suggestions = tuple((c.class_id, round(c.confidence, 4)) for c in result.candidates)
    if result.suggestion is not None and result.suggestion.class_id not in {c for c, _ in suggestions[:1]}:
        # The model's own first answer (a family's default member, say) leads the suggestions.
        suggestions = ((result.suggestion.class_id, round(result.suggestion.confidence, 4)), *suggestions)
    if result.needs_review or result.class_id is None:
        return Classified(None, result.confidence, "model", result.reason or "low_confidence",
                          family_id=result.family_id, suggestions=suggestions)
    return Classified(result.class_id, result.confidence, "model", None, result.precision, result.family_id,
                      tuple(a.as_dict() for a in result.also), suggestions)


@dataclass(frozen=True)
class Prepared:
    """A report with everything worked out before it is written: class, place, reporter key."""

    report: ReportIn
    classified: Classified
    located: Located | None
    key: str | None
    actor: str
    join_case: int | None = None

    @property
    def class_id(self) -> str | None:
        return self.classified.class_id


class UnknownClass(ValueError):
    def __init__(self, class_id: str) -> None:
        super().__init__(class_id)
        self.class_id = class_id


@dataclass
class IntakeResult:
    report_id: int
    case_id: int
    case_number: str
    joined: bool
    status: str
    class_id: str | None
    confidence: float | None
    needs_review: bool
    replayed: bool = False
    deliveries: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "case_id": self.case_number,
            "joined_existing": self.joined,
            "status": self.status,
            "class_id": self.class_id,
            "confidence": self.confidence,
            "needs_review": self.needs_review,
            "replayed": self.replayed,
        }


class GroupReports:
    """The reports of one group, written together (one statement) when a later step reads reports from SQL, at the
    latest before commit; then each one's `received` entry in the audit, and its id in its answer."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        self.waiting: list[tuple[ReportRow, str, IntakeResult | None]] = []

    def add(self, row: ReportRow, actor: str, result: IntakeResult | None = None) -> None:
        """Queue a report; `result`: an answer to give the report's id once written."""
        self.waiting.append((row, actor, result))

    async def write(self) -> None:
        if not self.waiting:
            return
        waiting, self.waiting = self.waiting, []
        await self.tx.insert([row for row, _, _ in waiting])
        for row, actor, result in waiting:
            await self.tx.audit("report", row.id, "received", actor, channel=row.channel, case_id=row.case_id)
            if result is not None:
                result.report_id = row.id


class Pipeline:
    def __init__(
        self,
        store: Store,
        outbox: Outbox,
        tables: CodeTables,
        classifier: Classifier | None = None,
        locator: Locator | None = None,
        dedup: Deduplicator | None = None,
        media: MediaStore | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.tables = tables
        self.classifier = classifier
        self.locator = locator
        self.dedup = dedup or Deduplicator(tables)
        self.media = media
        self.writer = GroupCommit(self.store_batch, self.store_one)
        self.waiting_reason = "no_classifier"  # why a case waits without a classifier; "classifier_loading" while it loads

    def classify(self, report: ReportIn) -> Classified:
        """The class of a report; an agent's choice wins over the model."""
        if report.class_id:
            families = self.classifier.families if self.classifier is not None else load_families()
            family = families.get(report.class_id)
            if family is not None:  # the agent took the family, not a member: the city's default member stands for it
                return Classified(family.default, 1.0, "agent", None, "family", family.family_id)
            if report.class_id not in self.tables:
                raise UnknownClass(report.class_id)
            member_of = families.family_of(report.class_id)
            return Classified(report.class_id, 1.0, "agent", None, "class", member_of.family_id if member_of else None)
        if self.classifier is None:
            return Classified(None, None, "none", self.waiting_reason)
        try:
            result = self.classifier.classify(report.text, channel=report.channel.value, language=report.language)
        except Exception:
            log.exception("classifier failed; the case waits for review")
            return Classified(None, None, "model", "classifier_error")
        return classified(result)

    def photo_gps(self, report: ReportIn) -> tuple[float, float] | None:
        """The GPS point of the first photo uploaded to us that carried one."""
        if self.media is None:
            return None
        for item in report.media:
            name = item.url.rsplit("/", 1)[-1]
            if re.fullmatch(MEDIA_NAME, name) and (gps := self.media.gps_of(name)):
                return gps
        return None

    def locate(self, report: ReportIn) -> Located | None:
        """Explicit point, then address, then photo GPS, then the place named in the text."""
        point = (report.location.lat, report.location.lon, report.location.crs) if report.location else None
        photo = self.photo_gps(report)
        if self.locator is not None:
            try:
                found = self.locator.locate(report.text, point, report.address, photo_gps=photo)
            except LocationError:
                raise
            except Exception:
                log.exception("locator failed; using the raw point if any")
                found = None
            if found is not None:
                return Located(found.lat, found.lon, found.precision_m, found.source, found.label, found.grid.grid_code if found.grid else None)
        if point is not None:
            lat, lon = to_wgs84(*point)
            return Located(lat, lon, None, "gps")
        return Located(photo[0], photo[1], None, "photo") if photo else None

    def prepare(self, report: ReportIn, actor: str, join_case: int | None = None) -> Prepared:
        """The CPU work of intake, done in the caller's task before the report queues for the writer."""
        return Prepared(report, self.classify(report), self.locate(report), reporter_key(report), actor, join_case)

    async def submit(self, report: ReportIn, actor: str = "api", join_case: int | None = None) -> IntakeResult:
        """Accept one report: the returned result is committed. `join_case`: an open case the reporter chose to add
        their report to (a channel checks it is near); if it is no longer open, duplicate folding decides."""
        return await self.writer.write(self.prepare(report, actor, join_case))

    async def close(self) -> None:
        await self.writer.close()

    async def store_batch(self, batch: list[Prepared]) -> list[IntakeResult]:
        """Write reports in one transaction (one commit for all), then queue their deliveries.

        Cases are inserted one statement each (a later report of the group may repeat one), the group's reports
        together, and audit and outbox rows in one flush at commit: no unit-of-work flush before every query."""
        async with self.store.transaction() as tx, tx.audits_together():
            with tx.session.no_autoflush:
                await tx.lock([k for item in batch for k in self._lock_keys(item)])
                reports = GroupReports(tx)
                sightings = [self._sighting(item) for item in batch]
                pool = await self.dedup.pool(tx, sightings)
                results = [await self._store(tx, item, sighting, pool, reports) for item, sighting in zip(batch, sightings)]
                await reports.write()
        self.outbox.enqueue([d for r in results for d in r.deliveries])
        return results

    async def store_one(self, item: Prepared) -> IntakeResult:
        """Write one report on its own; a client_ref that a concurrent writer stored first answers as a replay."""
        try:
            return (await self.store_batch([item]))[0]
        except IntegrityError:
            result = await self._replayed(item.report)
            if result is None:
                raise
            return result

    def _lock_keys(self, item: Prepared) -> list[str]:
        lat, lon = (item.located.lat, item.located.lon) if item.located else (None, None)
        keys = self.dedup.lock_keys(item.classified.search_class, lat, lon, item.key)
        return keys + ([f"ref:{item.report.channel}:{item.report.client_ref}"] if item.report.client_ref else [])

    async def _replayed(self, report: ReportIn) -> IntakeResult | None:
        if not report.client_ref:
            return None
        async with self.store.transaction() as tx:
            row = await tx.report_by_client_ref(report.channel.value, report.client_ref)
            if row is None or row.case_id is None:
                return None
            case = await tx.case(row.case_id)
            assert case is not None
            return self._result(row, case, joined=False, replayed=True)

    def _result(self, row: ReportRow, case: CaseRow, joined: bool, replayed: bool = False, deliveries: list[str] | None = None) -> IntakeResult:
        """The answer for a report; one still waiting in GroupReports gets its id when it is written."""
        return IntakeResult(
            report_id=row.id or 0,
            case_id=case.id,
            case_number=case_number(case.id, case.created_at),
            joined=joined,
            status=case.status,
            class_id=case.class_id,
            confidence=case.class_confidence,
            needs_review=case.status == CaseStatus.NEEDS_REVIEW,
            replayed=replayed,
            deliveries=deliveries or [],
        )

    @staticmethod
    def _sighting(item: Prepared) -> Sighting:
        """The report as the duplicate search sees it."""
        located = item.located
        return Sighting(item.class_id, located.lat if located else None, located.lon if located else None,
                        (located.precision_m if located else None) or 0.0, item.report.received_at or utcnow(), item.report.text,
                        item.key, suggestions=item.classified.suggestions)

    async def _store(self, tx: Tx, item: Prepared, sighting: Sighting, pool: Pool, reports: GroupReports) -> IntakeResult:
        """One report inside an open transaction: replay, join an open case (of `pool`, the group's candidates, or the
        one the reporter chose), or make a new one (added to `pool` for the rest of the group)."""
        report, located, key, actor = item.report, item.located, item.key, item.actor
        decided = item.classified
        class_id, review_reason = decided.class_id, decided.review_reason
        now = sighting.created_at
        lat, lon = sighting.lat, sighting.lon
        if report.client_ref:
            await reports.write()  # an earlier report of this group may carry the same reference
            previous = await tx.report_by_client_ref(report.channel.value, report.client_ref)
            if previous is not None and previous.case_id is not None:
                case = await tx.case(previous.case_id)
                assert case is not None
                return self._result(previous, case, joined=False, replayed=True)
        match = await self._chosen(tx, item.join_case) or self.dedup.find_in(sighting, pool)
        if match is not None and match.verdict == "join":
            row = self._report_row(report, now, located, key, match.case.id)
            reports.add(row, actor)
            await reports.write()  # the join's audit names the report, and an update's media are read from SQL
            deliveries = await self._join(tx, match, row, actor)
            return self._result(row, match.case, joined=True, deliveries=deliveries)
        possible = match.case.id if match is not None else None
        if possible is not None:
            review_reason = "possible_duplicate"
        status = CaseStatus.NEEDS_REVIEW if class_id is None or possible else CaseStatus.CLASSIFIED
        platforms = await self.outbox.platforms(tx) if status == CaseStatus.CLASSIFIED else []
        case = CaseRow(
            created_at=now,
            updated_at=now,
            # Written as it leaves intake: forwarded at once when a platform takes it (the audit says both steps).
            status=CaseStatus.FORWARDED if any(p.enabled for p in platforms) else status,
            class_id=class_id,
            class_confidence=decided.confidence,
            class_source=decided.source,
            class_precision=decided.precision,
            class_family=decided.family_id,
            also_classes=list(decided.also) or None,
            suggestions=[list(s) for s in decided.suggestions] or None,
            review_reason=review_reason,
            possible_duplicate_of=possible,
            text=report.text,
            attributes=report.attributes or None,
            language=report.language,
            lat=lat,
            lon=lon,
            precision_m=located.precision_m if located else None,
            address=report.address or (located.label if located and located.source == "text" else None),  # a point's label is no address
            grid_code=located.grid_code if located else None,
            source_channel=report.channel.value,
            case_source=CASE_SOURCE[Channel(report.channel)],
            reports_count=1,
            version=1,
        )
        await tx.insert([case])
        pool.add(case, key)
        row = self._report_row(report, now, located, key, case.id)
        result = self._result(row, case, joined=False)
        reports.add(row, actor, result)
        await tx.audit("case", case.id, "created", actor, status=status, class_id=class_id, review_reason=review_reason, possible_duplicate_of=possible)
        if status == CaseStatus.CLASSIFIED:
            result.deliveries = await self.outbox.forward(tx, case, actor, row.media, platforms)
        return result

    @staticmethod
    async def _chosen(tx: Tx, case_id: int | None) -> Match | None:
        """The case the reporter chose to join, while it is open."""
        case = await tx.case(case_id, for_update=True) if case_id is not None else None
        if case is None or CaseStatus(case.status) not in OPEN_STATUSES:
            return None
        return Match(case, "join", None, 0.0, ("chosen_by_reporter",))

    @staticmethod
    def _report_row(report: ReportIn, now: datetime, located: Located | None, key: str | None, case_id: int) -> ReportRow:
        return ReportRow(
            received_at=now,
            channel=report.channel.value,
            language=report.language,
            text=report.text,
            attributes=report.attributes or None,
            lat=located.lat if located else None,
            lon=located.lon if located else None,
            crs_in=report.location.crs if report.location else None,
            address=report.address,
            contact=report.contact.model_dump(exclude_none=True) if report.contact else None,
            reporter_key=key,
            consent_updates=bool(report.contact and report.contact.consent_updates),
            media=[m.model_dump() for m in report.media],
            client_ref=report.client_ref,
            case_id=case_id,
        )

    async def _join(self, tx: Tx, match: Match, row: ReportRow, actor: str) -> list[str]:
        case = match.case
        case.reports_count += 1
        case.version += 1
        case.updated_at = utcnow()
        await tx.audit(
            "case", case.id, "report_joined", actor,
            report_id=row.id, reports_count=case.reports_count, distance_m=match.distance_m, similarity=round(match.similarity, 3), reasons=list(match.reasons),
        )
        return await self.outbox.update(tx, case, actor)
