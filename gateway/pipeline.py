"""The intake pipeline: validate → store → classify → locate and dedup → outbox. It knows no channel."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from classifier.tables import CodeTables
from gateway.domain import CASE_SOURCE, CaseStatus, Channel, ReportIn
from gateway.location.crs import to_wgs84
from gateway.outbox import Outbox
from gateway.payload import case_number
from gateway.store.models import CaseRow, ReportRow
from gateway.store.store import Store, Tx, utcnow

log = logging.getLogger(__name__)


class Classified(Protocol):
    class_id: str | None
    confidence: float
    needs_review: bool
    reason: str | None


class ClassifierPort(Protocol):
    def classify(self, text: str, *, channel: str | None = None, language: str | None = None) -> Classified: ...


@dataclass(frozen=True)
class Located:
    """Where a report is, in WGS-84, and how well we know it."""

    lat: float
    lon: float
    precision_m: float | None = None
    source: str = "gps"
    label: str | None = None
    grid_code: str | None = None


class LocatorPort(Protocol):
    def locate(self, text: str, point: tuple[float, float, str] | None, address: str | None) -> Any: ...


class DedupPort(Protocol):
    async def find_case(self, tx: Tx, report: ReportRow, class_id: str | None, located: Located | None) -> tuple[CaseRow | None, str]:
        """The open case this report repeats (and why), or (None, reason)."""
        ...


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


def reporter_key(report: ReportIn) -> str | None:
    """A stable pseudonymous key of the reporter (hash of their contact), for follow-ups."""
    contact = report.contact
    handle = contact and (contact.phone or contact.email or (str(contact.telegram_chat_id) if contact.telegram_chat_id else None))
    if not handle:
        return None
    normalized = "".join(ch for ch in handle.lower() if ch.isalnum() or ch in "@.")
    return hashlib.sha256(f"{report.channel}:{normalized}".encode()).hexdigest()


class Pipeline:
    def __init__(
        self,
        store: Store,
        outbox: Outbox,
        tables: CodeTables,
        classifier: ClassifierPort | None = None,
        locator: LocatorPort | None = None,
        dedup: DedupPort | None = None,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.tables = tables
        self.classifier = classifier
        self.locator = locator
        self.dedup = dedup

    def classify(self, report: ReportIn) -> tuple[str | None, float | None, str, str | None]:
        """(class id, confidence, source, review reason); an agent's choice wins over the model."""
        if report.class_id:
            if report.class_id not in self.tables:
                raise UnknownClass(report.class_id)
            return report.class_id, 1.0, "agent", None
        if self.classifier is None:
            return None, None, "none", "no_classifier"
        try:
            result = self.classifier.classify(report.text, channel=report.channel.value, language=report.language)
        except Exception:
            log.exception("classifier failed; the case waits for review")
            return None, None, "model", "classifier_error"
        if result.needs_review or result.class_id is None:
            return None, result.confidence, "model", result.reason or "low_confidence"
        return result.class_id, result.confidence, "model", None

    def locate(self, report: ReportIn) -> Located | None:
        point = (report.location.lat, report.location.lon, report.location.crs) if report.location else None
        if self.locator is not None:
            try:
                found = self.locator.locate(report.text, point, report.address)
            except Exception:
                log.exception("locator failed; using the raw point if any")
                found = None
            if found is not None:
                grid = getattr(found, "grid", None)
                return Located(found.lat, found.lon, found.precision_m, found.source, found.label, grid.grid_code if grid else None)
        if point is None:
            return None
        lat, lon = to_wgs84(*point)
        return Located(lat, lon, None, "gps")

    async def submit(self, report: ReportIn, actor: str = "api") -> IntakeResult:
        class_id, confidence, class_source, review_reason = self.classify(report)
        located = self.locate(report)
        key = reporter_key(report)
        try:
            result = await self._store(report, class_id, confidence, class_source, review_reason, located, key, actor)
        except IntegrityError:
            # A concurrent submission with the same client_ref won the race: answer with its result.
            result = await self._replayed(report)
            if result is None:
                raise
        if result.deliveries:
            self.outbox.enqueue(result.deliveries)
        return result

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
        return IntakeResult(
            report_id=row.id,
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

    async def _store(
        self,
        report: ReportIn,
        class_id: str | None,
        confidence: float | None,
        class_source: str,
        review_reason: str | None,
        located: Located | None,
        key: str | None,
        actor: str,
    ) -> IntakeResult:
        now = report.received_at or utcnow()
        async with self.store.transaction() as tx:
            await tx.lock(["intake:" + (self.tables.major_of(class_id) if class_id else "unclassified")] + ([f"reporter:{key}"] if key else []))
            if report.client_ref:
                previous = await tx.report_by_client_ref(report.channel.value, report.client_ref)
                if previous is not None and previous.case_id is not None:
                    case = await tx.case(previous.case_id)
                    assert case is not None
                    return self._result(previous, case, joined=False, replayed=True)
            row = await tx.add(
                ReportRow(
                    received_at=now,
                    channel=report.channel.value,
                    language=report.language,
                    text=report.text,
                    lat=located.lat if located else None,
                    lon=located.lon if located else None,
                    crs_in=report.location.crs if report.location else None,
                    address=report.address,
                    contact=report.contact.model_dump(exclude_none=True) if report.contact else None,
                    reporter_key=key,
                    consent_updates=bool(report.contact and report.contact.consent_updates),
                    media=[m.model_dump() for m in report.media],
                    client_ref=report.client_ref,
                )
            )
            await tx.audit("report", row.id, "received", actor, channel=report.channel.value)
            case, reason = (None, "no_dedup") if self.dedup is None else await self.dedup.find_case(tx, row, class_id, located)
            if case is not None:
                deliveries = await self._join(tx, case, row, reason, actor)
                return self._result(row, case, joined=True, deliveries=deliveries)
            case = await tx.add(
                CaseRow(
                    created_at=now,
                    updated_at=now,
                    status=CaseStatus.NEEDS_REVIEW if class_id is None else CaseStatus.CLASSIFIED,
                    class_id=class_id,
                    class_confidence=confidence,
                    class_source=class_source,
                    review_reason=review_reason,
                    text=report.text,
                    language=report.language,
                    lat=located.lat if located else None,
                    lon=located.lon if located else None,
                    precision_m=located.precision_m if located else None,
                    address=report.address or (located.label if located else None),
                    grid_code=located.grid_code if located else None,
                    source_channel=report.channel.value,
                    case_source=CASE_SOURCE[Channel(report.channel)],
                    reports_count=1,
                    version=1,
                )
            )
            row.case_id = case.id
            await tx.audit("case", case.id, "created", actor, status=case.status, class_id=class_id, review_reason=review_reason)
            deliveries = await self.outbox.forward(tx, case, actor) if class_id else []
            return self._result(row, case, joined=False, deliveries=deliveries)

    async def _join(self, tx: Tx, case: CaseRow, row: ReportRow, reason: str, actor: str) -> list[str]:
        row.case_id = case.id
        case.reports_count += 1
        case.version += 1
        case.updated_at = utcnow()
        await tx.audit("case", case.id, "report_joined", actor, report_id=row.id, reason=reason, reports_count=case.reports_count)
        return await self.outbox.update(tx, case, actor)

    async def set_class(self, case_id: int, class_id: str, actor: str) -> CaseRow | None:
        """An agent's decision on a case waiting for review (or a correction): forwards it if it was waiting."""
        if class_id not in self.tables:
            raise UnknownClass(class_id)
        async with self.store.transaction() as tx:
            case = await tx.case(case_id, for_update=True)
            if case is None:
                return None
            previous = case.class_id
            case.class_id, case.class_confidence, case.class_source, case.review_reason = class_id, 1.0, "agent", None
            case.updated_at = utcnow()
            await tx.audit("case", case.id, "classified", actor, previous=previous, class_id=class_id)
            if case.status == CaseStatus.NEEDS_REVIEW:
                case.status = CaseStatus.CLASSIFIED
                deliveries = await self.outbox.forward(tx, case, actor)
            else:
                case.version += 1
                deliveries = await self.outbox.update(tx, case, actor)
        self.outbox.enqueue(deliveries)
        return case

