"""The one store interface: every SQL statement of the gateway lives behind it."""
from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import uuid
import zlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import make_transient_to_detached

from gateway.domain import OPEN_STATUSES, CaseStatus
from gateway.location.geo import bbox, haversine_m
from gateway.delivery.payload import case_number
from gateway.store.accounts import AccountStore
from gateway.store.calls import CallStore
from gateway.store.field import FieldStore
from gateway.store.casesearch import CaseSearchStore
from gateway.store.clock import as_utc, utcnow
from gateway.store.mailbox import MailboxStore
from gateway.store.messaging import MessagingStore
from gateway.store.models import (
    AdminSettingRow,
    ApiKeyRow,
    AuditRow,
    CallbackReceiptRow,
    CaseRow,
    CorrectionRow,
    DeliveryRow,
    FeedbackRow,
    NotificationRow,
    PlatformRefRow,
    PlatformStateRow,
    ReportRow,
    RuleSetRow,
)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class DeliveryStatus:
    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    overdue: bool = False
    class_id: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    offset: int = 0


class Tx:
    """One open transaction; commit happens when the `Store.transaction()` block ends without error."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._audits: list[dict[str, Any]] | None = None  # entries kept for one statement (`audits_together`)

    async def lock(self, keys: Sequence[str]) -> None:
        """Serialize transactions that share a key (PostgreSQL advisory locks; SQLite writers are serial already)."""
        if self.session.bind.dialect.name != "postgresql" or not keys:
            return
        ids = sorted({zlib.crc32(key.encode()) for key in keys})
        await self.session.execute(text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ks AS bigint[])) AS k ORDER BY k"), {"ks": ids})

    async def report_by_client_ref(self, channel: str, client_ref: str) -> ReportRow | None:
        return await self.session.scalar(select(ReportRow).where(ReportRow.channel == channel, ReportRow.client_ref == client_ref))

    async def add(self, row: Any) -> Any:
        self.session.add(row)
        await self.session.flush()
        return row

    async def insert(self, rows: Sequence[Any]) -> None:
        """Write new rows of one table with one statement (`INSERT … RETURNING id`, many rows at once) instead of a
        unit-of-work flush; each row gets its id and stays in the session as stored, so later changes to it are written
        at commit. Columns left unset take their default first, so nothing of the row is loaded again."""
        if not rows:
            return
        mapper = sa_inspect(type(rows[0]))
        table = mapper.local_table
        values = []
        for row in rows:
            for attr in mapper.column_attrs:
                if attr.key not in row.__dict__ and attr.key != "id":
                    default = attr.columns[0].default
                    setattr(row, attr.key, default.arg if default is not None and default.is_scalar else None)
            values.append({attr.columns[0].name: row.__dict__[attr.key] for attr in mapper.column_attrs if attr.key != "id"})
        if len(rows) > 1 and self.session.bind.dialect.name == "sqlite":
            # SQLite returns the ids of a many-row insert in no promised order, so SQLAlchemy would insert row by row;
            # its one writer (this transaction, BEGIN IMMEDIATE) holds the database, so the next ids are known.
            top = await self.session.scalar(select(func.max(table.c.id))) or 0
            ids: list[int] = list(range(top + 1, top + 1 + len(rows)))
            await self.session.execute(table.insert(), [v | {"id": i} for v, i in zip(values, ids)])
        else:
            ids = list((await self.session.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), values)).scalars())
        for row, new_id in zip(rows, ids):
            row.id = new_id
            make_transient_to_detached(row)
            self.session.add(row)

    async def case(self, case_id: int, *, for_update: bool = False) -> CaseRow | None:
        stmt = select(CaseRow).where(CaseRow.id == case_id)
        if for_update:
            stmt = stmt.with_for_update()
        return await self.session.scalar(stmt)

    async def open_cases_near(
        self, min_lat: float, max_lat: float, min_lon: float, max_lon: float, since: datetime, limit: int = 200
    ) -> list[CaseRow]:
        """Open cases inside a bounding box, created since `since` (the dedup pre-filter)."""
        return await self.open_cases_in_boxes([(min_lat, max_lat, min_lon, max_lon)], since, limit)

    async def open_cases_in_boxes(self, boxes: Sequence[tuple[float, float, float, float]], since: datetime, limit: int) -> list[CaseRow]:
        """Open cases inside any of the boxes (min_lat, max_lat, min_lon, max_lon), created since `since`: one query for
        the duplicate search of a whole group of reports."""
        inside = [and_(CaseRow.lat.between(b[0], b[1]), CaseRow.lon.between(b[2], b[3])) for b in boxes]
        rows = await self.session.scalars(
            select(CaseRow)
            .where(CaseRow.status.in_([s.value for s in OPEN_STATUSES]), or_(*inside), CaseRow.created_at >= since)
            .limit(limit)
        )
        return list(rows)

    async def open_cases_of_reporter(self, reporter_key: str, since: datetime) -> list[CaseRow]:
        return [case for _, _, case in await self.open_cases_of_reporters([reporter_key], since)]

    async def open_cases_of_reporters(self, reporter_keys: Sequence[str], since: datetime, per_reporter: int = 5) -> list[tuple[str, datetime, CaseRow]]:
        """(reporter key, report received at, case) of each reporter's latest reports since `since` on open cases, at
        most `per_reporter` each, newest first: one query for a whole group."""
        latest = (
            select(ReportRow.case_id, ReportRow.reporter_key, ReportRow.received_at,
                   func.row_number().over(partition_by=ReportRow.reporter_key, order_by=ReportRow.received_at.desc()).label("n"))
            .join(CaseRow, ReportRow.case_id == CaseRow.id)
            .where(ReportRow.reporter_key.in_(list(reporter_keys)), ReportRow.received_at >= since,
                   CaseRow.status.in_([s.value for s in OPEN_STATUSES]))
            .subquery()
        )
        rows = await self.session.execute(
            select(latest.c.reporter_key, latest.c.received_at, CaseRow)
            .join(CaseRow, CaseRow.id == latest.c.case_id)
            .where(latest.c.n <= per_reporter)
            .order_by(latest.c.received_at.desc())
        )
        return [(key, received_at, case) for key, received_at, case in rows]

    async def audit(self, entity: str, entity_id: str | int, action: str, actor: str, **detail: Any) -> None:
        entry = {"at": utcnow(), "entity": entity, "entity_id": str(entity_id), "action": action, "actor": actor, "detail": detail or None}
        if self._audits is not None:
            self._audits.append(entry)
        else:
            self.session.add(AuditRow(**entry))

    @asynccontextmanager
    async def audits_together(self) -> AsyncIterator[None]:
        """Audit entries made inside the block are written in order with one statement at its end (they are not read
        back inside it): a group of reports writes its entries at once instead of one row object each."""
        self._audits = []
        yield
        entries, self._audits = self._audits, None
        if entries:
            await self.session.execute(AuditRow.__table__.insert(), entries)

    def add_delivery(self, platform_id: str, case_id: int, event: str, payload: str, not_before: datetime | None = None) -> DeliveryRow:
        now = utcnow()
        row = DeliveryRow(
            id=str(uuid.uuid4()),
            platform_id=platform_id,
            case_id=case_id,
            event=event,
            payload=payload,
            status=DeliveryStatus.PENDING,
            attempts=0,
            created_at=now,
            retry_from=now,
            next_attempt_at=not_before or now,
        )
        self.session.add(row)
        return row

    async def media_of_case(self, case_id: int) -> list[dict[str, str]]:
        """Every media item of the case's reports, oldest report first."""
        rows = await self.session.scalars(select(ReportRow.media).where(ReportRow.case_id == case_id).order_by(ReportRow.id))
        return [item for media in rows for item in (media or [])]

    async def feedback_counts(self, case_id: int) -> dict[str, int]:
        rows = await self.session.execute(
            select(FeedbackRow.answer, func.count()).where(FeedbackRow.case_id == case_id).group_by(FeedbackRow.answer)
        )
        return {answer: count for answer, count in rows}

    async def reports_of_case(self, case_id: int) -> list[ReportRow]:
        return list(await self.session.scalars(select(ReportRow).where(ReportRow.case_id == case_id).order_by(ReportRow.id)))

    async def delivery(self, delivery_id: str) -> DeliveryRow | None:
        return await self.session.get(DeliveryRow, delivery_id)

    async def claim_delivery(self, delivery_id: str) -> DeliveryRow | None:
        """Mark a pending delivery as being delivered; None if someone else has it or it is finished."""
        result = await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.status == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.DELIVERING, claimed_at=utcnow(), attempts=DeliveryRow.attempts + 1)
        )
        if result.rowcount != 1:
            return None
        return await self.session.get(DeliveryRow, delivery_id, populate_existing=True)

    async def claim_due_deliveries(self, platform_id: str, due_before: datetime, limit: int) -> list[DeliveryRow]:
        """Claim up to `limit` pending deliveries of a platform due by `due_before`, in one statement; none while it is paused.

        PostgreSQL skips rows another worker is claiming (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time,
        so its claim-by-update is exclusive as it stands."""
        paused = select(PlatformStateRow.platform_id).where(PlatformStateRow.platform_id == platform_id, PlatformStateRow.paused.is_(True))
        due = (
            select(DeliveryRow.id)
            .where(DeliveryRow.platform_id == platform_id, DeliveryRow.status == DeliveryStatus.PENDING, DeliveryRow.next_attempt_at <= due_before,
                   ~paused.exists())
            .order_by(DeliveryRow.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await self.session.scalars(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(due.scalar_subquery()), DeliveryRow.status == DeliveryStatus.PENDING)
            .values(status=DeliveryStatus.DELIVERING, claimed_at=utcnow(), attempts=DeliveryRow.attempts + 1)
            .returning(DeliveryRow),
            execution_options={"synchronize_session": False, "populate_existing": True},
        )
        return list(claimed)

    async def make_pending_due(self, platform_id: str, now: datetime) -> None:
        """Every pending delivery of a platform due now (it has just come back: what waited for it goes first)."""
        await self.session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.platform_id == platform_id, DeliveryRow.status == DeliveryStatus.PENDING, DeliveryRow.next_attempt_at > now)
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )

    async def clear_failures(self, platform_id: str) -> None:
        """A platform's breaker back to no failures in a row (one statement, no lock taken when it has none)."""
        await self.session.execute(
            update(PlatformStateRow)
            .where(PlatformStateRow.platform_id == platform_id, PlatformStateRow.consecutive_failures != 0)
            .values(consecutive_failures=0)
            .execution_options(synchronize_session=False)
        )

    async def record_deliveries(self, changes: Sequence[dict[str, Any]]) -> None:
        """Write the outcomes of a batch of attempts (each a dict of columns with the row's `id`), as one executemany."""
        if changes:
            table = DeliveryRow.__table__
            columns = {name: bindparam(f"new_{name}") for name in changes[0] if name != "id"}
            await self.session.execute(update(table).where(table.c.id == bindparam("row_id")).values(columns),
                                       [{"row_id": c["id"]} | {f"new_{k}": v for k, v in c.items() if k != "id"} for c in changes])

    async def platform_state(self, platform_id: str) -> PlatformStateRow:
        """The platform's breaker, locked for this transaction (made on first need)."""
        row = await self.session.get(PlatformStateRow, platform_id, with_for_update=True)
        if row is None:
            try:
                async with self.session.begin_nested():
                    row = PlatformStateRow(platform_id=platform_id, consecutive_failures=0, paused=False, changed_at=utcnow())
                    self.session.add(row)
            except IntegrityError:  # another transaction made it at the same moment: theirs stands
                row = await self.session.get(PlatformStateRow, platform_id, with_for_update=True, populate_existing=True)
                assert row is not None
        return row

    async def replay_dead(self, delivery_id: str, actor: str) -> DeliveryRow | None:
        """Put a dead letter back in the outbox with a fresh retry window; None if it is not dead."""
        row = await self.session.get(DeliveryRow, delivery_id, with_for_update=True)
        if row is None or row.status != DeliveryStatus.DEAD:
            return None
        now = utcnow()
        row.status, row.retry_from, row.next_attempt_at = DeliveryStatus.PENDING, now, now
        await self.audit("delivery", row.id, "replayed", actor)
        return row

    async def remember_platform_ref(self, platform_id: str, case_id: int, remote_id: str) -> None:
        if await self.session.get(PlatformRefRow, (platform_id, case_id)) is None:
            self.session.add(PlatformRefRow(platform_id=platform_id, case_id=case_id, remote_id=remote_id, created_at=utcnow()))

    async def server_secret(self, key: str) -> str:
        """A secret of the server's own (for signed links): made on first need and kept in SQL, so every process shares it."""
        row = await self.session.get(AdminSettingRow, key)
        if row is None:
            try:
                async with self.session.begin_nested():
                    row = AdminSettingRow(key=key, value={"secret": secrets.token_urlsafe(32)}, updated_at=utcnow(), updated_by="system")
                    self.session.add(row)
            except IntegrityError:  # another process made it at the same moment: theirs stands
                row = await self.session.get(AdminSettingRow, key, populate_existing=True)
                assert row is not None
        return str(row.value["secret"])

    async def remember_callback(self, platform_id: str, signature: str) -> bool:
        """Record a callback's receipt (`signing.message_receipt`); False when it was seen before (a replay)."""
        try:
            async with self.session.begin_nested():
                self.session.add(CallbackReceiptRow(platform_id=platform_id, signature=signature, received_at=utcnow()))
        except IntegrityError:
            return False
        return True


class Store(AccountStore, CallStore, CaseSearchStore, FieldStore, MessagingStore, MailboxStore):
    """Owns the engine; hands out transactions and answers read queries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time: queue this process's transactions here instead of in
        # SQLite's busy handler, which sleeps in steps of up to 100 ms while it waits.
        self._writer = asyncio.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._writer, self._sessions() as session, session.begin():
            yield Tx(session)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    # --- reads -----------------------------------------------------------------------------

    async def case(self, case_id: int) -> CaseRow | None:
        async with self.transaction() as tx:
            return await tx.case(case_id)

    async def nearby_open_cases(self, lat: float, lon: float, radius_m: float, since: datetime) -> list[tuple[CaseRow, float]]:
        """Open cases within `radius_m` of a WGS-84 point created since `since`, with their distance, nearest first."""
        box = bbox(lat, lon, radius_m)
        async with self.transaction() as tx:
            rows = await tx.open_cases_near(box.min_lat, box.max_lat, box.min_lon, box.max_lon, since, limit=1000)
        near = [(c, haversine_m(lat, lon, c.lat, c.lon)) for c in rows if c.lat is not None and c.lon is not None]
        return sorted([(c, d) for c, d in near if d <= radius_m], key=lambda item: item[1])

    async def case_numbers(self, ids: Sequence[int]) -> dict[int, str]:
        """The public numbers of the given cases."""
        if not ids:
            return {}
        async with self.transaction() as tx:
            rows = await tx.session.execute(select(CaseRow.id, CaseRow.created_at).where(CaseRow.id.in_(list(ids))))
            return {case_id: case_number(case_id, created) for case_id, created in rows}

    async def cases(self, flt: CaseFilter) -> tuple[list[CaseRow], int]:
        conditions = []
        if flt.status:
            conditions.append(CaseRow.status == flt.status)
        if flt.overdue:
            conditions += [CaseRow.due_at < utcnow(), CaseRow.status.in_([s.value for s in OPEN_STATUSES])]
        if flt.class_id:
            conditions.append(CaseRow.class_id == flt.class_id)
        if flt.channel:
            conditions.append(CaseRow.source_channel == flt.channel)
        if flt.since:
            conditions.append(CaseRow.created_at >= flt.since)
        if flt.until:
            conditions.append(CaseRow.created_at < flt.until)
        where = and_(*conditions) if conditions else and_(True)
        async with self.transaction() as tx:
            total = await tx.session.scalar(select(func.count()).select_from(CaseRow).where(where)) or 0
            rows = await tx.session.scalars(select(CaseRow).where(where).order_by(CaseRow.id.desc()).limit(flt.limit).offset(flt.offset))
            return list(rows), total

    async def held_case_ids(self, reason: str, limit: int = 1000) -> list[int]:
        """Cases waiting for review for `reason` (classifier_loading: held while the classifier loads), oldest first."""
        async with self.transaction() as tx:
            rows = await tx.session.scalars(
                select(CaseRow.id).where(CaseRow.status == CaseStatus.NEEDS_REVIEW, CaseRow.review_reason == reason).order_by(CaseRow.id).limit(limit)
            )
            return list(rows)

    async def deliveries(self, *, status: str | None = None, case_id: int | None = None, limit: int = 100) -> list[DeliveryRow]:
        stmt = select(DeliveryRow).order_by(DeliveryRow.created_at)
        if status:
            stmt = stmt.where(DeliveryRow.status == status)
        if case_id is not None:
            stmt = stmt.where(DeliveryRow.case_id == case_id)
        async with self.transaction() as tx:
            return list(await tx.session.scalars(stmt.limit(limit)))

    async def audit_of(self, entity: str, entity_id: str | int) -> list[AuditRow]:
        async with self.transaction() as tx:
            return list(
                await tx.session.scalars(
                    select(AuditRow).where(AuditRow.entity == entity, AuditRow.entity_id == str(entity_id)).order_by(AuditRow.id)
                )
            )

    async def due_deliveries(self, due_before: datetime, paused: Sequence[str], limit: int = 500) -> list[DeliveryRow]:
        """Pending rows that should have been attempted by `due_before`."""
        stmt = select(DeliveryRow).where(DeliveryRow.status == DeliveryStatus.PENDING, DeliveryRow.next_attempt_at <= due_before)
        if paused:
            stmt = stmt.where(DeliveryRow.platform_id.not_in(list(paused)))
        async with self.transaction() as tx:
            return list(await tx.session.scalars(stmt.order_by(DeliveryRow.next_attempt_at).limit(limit)))

    async def due_notifications(self, due_before: datetime, limit: int = 500) -> list[NotificationRow]:
        async with self.transaction() as tx:
            return list(await tx.session.scalars(
                select(NotificationRow).where(NotificationRow.status == "pending", NotificationRow.next_attempt_at <= due_before).limit(limit)
            ))

    async def satisfaction(self, since: datetime | None = None) -> dict[str, int]:
        """Counts of 回访 answers (since a moment, or ever)."""
        stmt = select(FeedbackRow.answer, func.count()).group_by(FeedbackRow.answer)
        if since is not None:
            stmt = stmt.where(FeedbackRow.created_at >= since)
        async with self.transaction() as tx:
            return {answer: count for answer, count in await tx.session.execute(stmt)}

    async def open_platform_refs(self, platform_id: str) -> dict[str, int]:
        """remote id -> case id, for the platform's requests whose case is still open here."""
        async with self.transaction() as tx:
            rows = await tx.session.execute(
                select(PlatformRefRow.remote_id, PlatformRefRow.case_id)
                .join(CaseRow, CaseRow.id == PlatformRefRow.case_id)
                .where(PlatformRefRow.platform_id == platform_id, CaseRow.status.in_([s.value for s in OPEN_STATUSES]))
            )
            return {remote: case_id for remote, case_id in rows}

    async def mark_pulled(self, platform_id: str) -> None:
        async with self.transaction() as tx:
            state = await tx.platform_state(platform_id)
            state.pulled_at = utcnow()

    async def pending_platform_ids(self) -> set[str]:
        """Platforms with deliveries still pending."""
        async with self.transaction() as tx:
            return set(await tx.session.scalars(select(DeliveryRow.platform_id).where(DeliveryRow.status == DeliveryStatus.PENDING).distinct()))

    async def release_stale_claims(self, stale_before: datetime) -> int:
        async with self.transaction() as tx:
            result = await tx.session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.status == DeliveryStatus.DELIVERING, DeliveryRow.claimed_at < stale_before)
                .values(status=DeliveryStatus.PENDING, claimed_at=None, last_error="claim expired (worker lost)")
            )
            return result.rowcount or 0

    async def platform_states(self) -> list[PlatformStateRow]:
        async with self.transaction() as tx:
            return list(await tx.session.scalars(select(PlatformStateRow)))

    async def oldest_pending(self, platform_id: str) -> DeliveryRow | None:
        async with self.transaction() as tx:
            return await tx.session.scalar(
                select(DeliveryRow)
                .where(DeliveryRow.platform_id == platform_id, DeliveryRow.status == DeliveryStatus.PENDING)
                .order_by(DeliveryRow.created_at)
                .limit(1)
            )

    async def prune_callback_receipts(self, before: datetime) -> None:
        async with self.transaction() as tx:
            await tx.session.execute(CallbackReceiptRow.__table__.delete().where(CallbackReceiptRow.received_at < before))

    # --- rule sets and corrections -------------------------------------------------------------

    async def add_rule_set(self, rules: list[dict[str, Any]], author: str, comment: str) -> RuleSetRow:
        """Store a new, inactive version numbered after the newest one."""
        async with self.transaction() as tx:
            await tx.lock(["rule_sets"])
            newest = await tx.session.scalar(select(func.max(RuleSetRow.version)))
            row = RuleSetRow(version=(newest or 0) + 1, rules=rules, author=author, comment=comment, created_at=utcnow(), active=False)
            tx.session.add(row)
            await tx.audit("rules", row.version, "created", author, rules=len(rules), comment=comment)
            return row

    async def rule_sets(self) -> list[RuleSetRow]:
        """Every version, newest first."""
        async with self.transaction() as tx:
            return list(await tx.session.scalars(select(RuleSetRow).order_by(RuleSetRow.version.desc())))

    async def rule_set(self, version: int) -> RuleSetRow | None:
        async with self.transaction() as tx:
            return await tx.session.get(RuleSetRow, version)

    async def active_rule_set(self) -> RuleSetRow | None:
        async with self.transaction() as tx:
            return await tx.session.scalar(select(RuleSetRow).where(RuleSetRow.active.is_(True)).limit(1))

    async def activate_rule_set(self, version: int, actor: str) -> RuleSetRow | None:
        """Make `version` the only active one (rolling back = activating an older one); None if it does not exist."""
        async with self.transaction() as tx:
            await tx.lock(["rule_sets"])
            row = await tx.session.get(RuleSetRow, version, with_for_update=True)
            if row is None:
                return None
            previous = await tx.session.scalar(select(RuleSetRow.version).where(RuleSetRow.active.is_(True)).limit(1))
            await tx.session.execute(
                update(RuleSetRow).where(RuleSetRow.active.is_(True), RuleSetRow.version != version).values(active=False)
            )
            row.active = True
            await tx.audit("rules", version, "activated", actor, previous=previous)
            return row

    async def corrections(self, *, limit: int | None = None, offset: int = 0) -> list[CorrectionRow]:
        """Classes people chose where the classifier had said otherwise, newest first."""
        stmt = select(CorrectionRow).order_by(CorrectionRow.id.desc()).offset(offset)
        async with self.transaction() as tx:
            return list(await tx.session.scalars(stmt if limit is None else stmt.limit(limit)))

    async def api_key_name(self, secret: str) -> str | None:
        """The name an API key was created under (for authorship), or None."""
        async with self.transaction() as tx:
            return await tx.session.scalar(select(ApiKeyRow.name).where(ApiKeyRow.key_hash == hash_key(secret), ApiKeyRow.revoked_at.is_(None)))

    # --- accounts ----------------------------------------------------------------------------

    async def api_key_role(self, secret: str) -> str | None:
        async with self.transaction() as tx:
            row = await tx.session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(secret), ApiKeyRow.revoked_at.is_(None)))
            return row.role if row else None

    async def api_keys(self) -> list[ApiKeyRow]:
        """Every API key ever created (revoked ones too), newest first; the secrets themselves are not kept."""
        async with self.transaction() as tx:
            return list(await tx.session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id.desc())))

    async def revoke_api_key(self, key_id: int, actor: str) -> ApiKeyRow | None:
        """Revoke a key (audited); None when there is no such key. A key revoked before stays as it was."""
        async with self.transaction() as tx:
            row = await tx.session.get(ApiKeyRow, key_id, with_for_update=True)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                await tx.audit("api_key", row.name, "revoked", actor, key_id=row.id, role=row.role)
            return row

    async def add_api_key(self, name: str, secret: str, role: str) -> None:
        async with self.transaction() as tx:
            tx.session.add(ApiKeyRow(name=name, key_hash=hash_key(secret), role=role, created_at=utcnow()))
            await tx.audit("api_key", name, "created", "system", role=role)
