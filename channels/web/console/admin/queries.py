"""Read queries the administrators' pages need that the store does not answer (SQLite and PostgreSQL alike)."""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from gateway.domain import OPEN_STATUSES
from gateway.delivery.payload import CHINA
from gateway.store.clock import as_utc, utcnow
from gateway.store.models import AuditRow, CallRow, CaseRow, DeliveryRow, InboundMessageRow, NotificationRow, ReportRow
from gateway.store.store import DeliveryStatus, Store

OPEN = [s.value for s in OPEN_STATUSES]


@dataclass(frozen=True)
class DailyCounts:
    """Cases created per China day, split by class and by channel."""

    days: list[date]
    by_class: dict[str, list[int]]
    by_channel: dict[str, list[int]]


async def cases_per_day(store: Store, days: int, now: datetime | None = None) -> DailyCounts:
    """The last `days` China days up to today, oldest first."""
    today = (now or utcnow()).astimezone(CHINA).date()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), CHINA)
    async with store.transaction() as tx:
        rows = (await tx.session.execute(
            select(CaseRow.created_at, CaseRow.class_id, CaseRow.source_channel).where(CaseRow.created_at >= since)
        )).all()
    span = [first + timedelta(days=i) for i in range(days)]
    index = {day: i for i, day in enumerate(span)}
    by_class: dict[str, list[int]] = {}
    by_channel: dict[str, list[int]] = {}
    for created, class_id, channel in rows:
        i = index.get(as_utc(created).astimezone(CHINA).date())
        if i is None:
            continue
        by_class.setdefault(class_id or "", [0] * days)[i] += 1
        by_channel.setdefault(channel, [0] * days)[i] += 1
    return DailyCounts(span, by_class, by_channel)


async def open_case_points(store: Store, limit: int = 5000) -> list[tuple[float, float]]:
    """WGS-84 points of the open cases that have a place (newest first, at most `limit`)."""
    async with store.transaction() as tx:
        rows = await tx.session.execute(
            select(CaseRow.lat, CaseRow.lon)
            .where(CaseRow.status.in_(OPEN), CaseRow.lat.is_not(None), CaseRow.lon.is_not(None))
            .order_by(CaseRow.id.desc())
            .limit(limit)
        )
        return [(lat, lon) for lat, lon in rows]


async def median_hours_to_delivery(store: Store, since: datetime) -> float | None:
    """Median hours from a case's first report to its first delivery to a platform, over cases created since `since`."""
    async with store.transaction() as tx:
        rows = await tx.session.execute(
            select(CaseRow.created_at, func.min(DeliveryRow.delivered_at))
            .join(DeliveryRow, DeliveryRow.case_id == CaseRow.id)
            .where(CaseRow.created_at >= since, DeliveryRow.status == DeliveryStatus.DELIVERED)
            .group_by(CaseRow.id, CaseRow.created_at)
        )
        spans = [(as_utc(delivered) - as_utc(created)).total_seconds() / 3600 for created, delivered in rows]
    return statistics.median(spans) if spans else None


async def delivery_counts(store: Store, since: datetime) -> dict[str, int]:
    """Deliveries written since `since`, by status."""
    async with store.transaction() as tx:
        rows = await tx.session.execute(
            select(DeliveryRow.status, func.count()).where(DeliveryRow.created_at >= since).group_by(DeliveryRow.status)
        )
        return {status: count for status, count in rows}


def success_rate(counts: dict[str, int]) -> float | None:
    """Delivered among the finished ones (delivered or dead); None when none finished."""
    finished = counts.get(DeliveryStatus.DELIVERED, 0) + counts.get(DeliveryStatus.DEAD, 0)
    return counts.get(DeliveryStatus.DELIVERED, 0) / finished if finished else None


async def audit_entries(store: Store, entity: str | None, entity_id: str | None, limit: int, before: int | None = None) -> list[AuditRow]:
    """The audit log, newest first, of one kind of entity (and one entity) if asked; `before` pages by id."""
    stmt = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if entity:
        stmt = stmt.where(AuditRow.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditRow.entity_id == entity_id)
    if before is not None:
        stmt = stmt.where(AuditRow.id < before)
    async with store.transaction() as tx:
        return list(await tx.session.scalars(stmt))


async def audit_entity_kinds(store: Store) -> list[str]:
    async with store.transaction() as tx:
        return sorted(await tx.session.scalars(select(AuditRow.entity).distinct()))


async def platform_deliveries(store: Store, platform_id: str, limit: int = 100) -> list[DeliveryRow]:
    """A platform's delivery log, newest first."""
    async with store.transaction() as tx:
        return list(await tx.session.scalars(
            select(DeliveryRow).where(DeliveryRow.platform_id == platform_id).order_by(DeliveryRow.created_at.desc()).limit(limit)
        ))


async def dead_letters(store: Store, limit: int = 200) -> list[DeliveryRow]:
    """Dead letters, newest first."""
    async with store.transaction() as tx:
        return list(await tx.session.scalars(
            select(DeliveryRow).where(DeliveryRow.status == DeliveryStatus.DEAD).order_by(DeliveryRow.created_at.desc()).limit(limit)
        ))


@dataclass(frozen=True)
class ChannelHealth:
    """What the store says of one inbound provider: when it last brought something in, and how messages to it fared."""

    last_inbound: datetime | None
    sent: int
    failed: int
    last_error: str | None


async def channel_health(store: Store, channels: list[str], providers: list[str], call_channel: str | None, since: datetime) -> ChannelHealth:
    """Last report, message or call received through these channels/providers; notifications to them since `since`."""
    async with store.transaction() as tx:
        moments = [await tx.session.scalar(select(func.max(ReportRow.received_at)).where(ReportRow.channel.in_(channels)))]
        if providers:
            moments.append(await tx.session.scalar(select(func.max(InboundMessageRow.received_at)).where(InboundMessageRow.provider.in_(providers))))
        if call_channel:
            moments.append(await tx.session.scalar(select(func.max(CallRow.started_at)).where(CallRow.channel == call_channel)))
        counts: Counter[str] = Counter(dict((await tx.session.execute(
            select(NotificationRow.status, func.count())
            .where(NotificationRow.channel.in_(channels), NotificationRow.created_at >= since)
            .group_by(NotificationRow.status)
        )).all()))
        last_error = await tx.session.scalar(
            select(NotificationRow.last_error)
            .where(NotificationRow.channel.in_(channels), NotificationRow.last_error.is_not(None), NotificationRow.created_at >= since)
            .order_by(NotificationRow.created_at.desc())
            .limit(1)
        )
    known = [as_utc(m) for m in moments if m is not None]
    return ChannelHealth(max(known) if known else None, counts["sent"], counts["dead"], last_error)
