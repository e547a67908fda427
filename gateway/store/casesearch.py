"""Finding cases for the console (by number, reporter's phone, words, class, status, channel, dates, place) and
reading everything about one case. Indexed on both engines (migration 0005): words and places through trigrams
(PostgreSQL pg_trgm, SQLite FTS5), reporters by their key, dates by creation time."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, literal_column, or_, select, text as sql_text

from gateway.delivery.payload import case_number, parse_case_number
from gateway.intake.reporters import caller_keys
from gateway.store.models import AuditRow, CaseRow, DeliveryRow, FeedbackRow, ReportRow

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from gateway.store.store import Tx

TRIGRAM = 3
"""Words shorter than three characters cannot use a trigram index: they are looked for row by row."""


@dataclass(frozen=True)
class CaseSearch:
    """What an agent looks for; every part given must hold."""

    number: str | None = None
    phone: str | None = None
    words: str | None = None
    place: str | None = None
    class_id: str | None = None
    status: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 25
    offset: int = 0


@dataclass
class CaseFile:
    """One case with its reports, deliveries, 回访 answers and audit trail, oldest first."""

    case: CaseRow
    reports: list[ReportRow]
    deliveries: list[DeliveryRow]
    feedback: list[FeedbackRow]
    audit: list[AuditRow]
    numbers: dict[int, str] = field(default_factory=dict)
    """Case numbers of the cases it points at or that point at it (merged into, possible duplicate of, absorbed)."""


def phone_forms(phone: str) -> list[str]:
    """The forms one Chinese number is given in (13900002222, +8613900002222, 008613900002222), spaces and dashes left out."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    national = digits[4:] if digits.startswith("0086") else digits[2:] if digits.startswith("86") and len(digits) > 11 else digits
    return list(dict.fromkeys([phone, digits, national, "+86" + national]))


def _escaped(words: str) -> str:
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(tx: Tx, column: str, words: str) -> ColumnElement[bool]:
    """The case's `column` (text or address) holds `words`, any case of letters, through the engine's trigram index."""
    if tx.session.bind.dialect.name == "sqlite":
        if len(words) >= TRIGRAM:
            phrase = '"' + words.replace('"', '""') + '"'
            return CaseRow.id.in_(select(literal_column("rowid")).select_from(sql_text("cases_fts"))
                                  .where(literal_column("cases_fts").op("MATCH")(f"{column} : {phrase}")))
        return getattr(CaseRow, column).ilike(f"%{_escaped(words)}%", escape="\\")
    return getattr(CaseRow, column).ilike(f"%{_escaped(words)}%")


def _conditions(tx: Tx, q: CaseSearch) -> list[ColumnElement[bool]] | None:
    """The WHERE parts of a search; None when it cannot match anything (a number that names no case)."""
    conditions: list[ColumnElement[bool]] = []
    if q.number:
        case_id = parse_case_number(q.number)
        if case_id is None:
            return None
        conditions.append(CaseRow.id == case_id)
    if q.phone:
        keys = [key for form in phone_forms(q.phone) for key in caller_keys(form)]
        if not keys:
            return None
        reported = select(ReportRow.case_id).where(ReportRow.reporter_key.in_(keys))
        earlier = select(ReportRow.original_case_id).where(ReportRow.reporter_key.in_(keys), ReportRow.original_case_id.is_not(None))
        conditions.append(or_(CaseRow.id.in_(reported), CaseRow.id.in_(earlier)))
    if q.words:
        conditions.append(_contains(tx, "text", q.words))
    if q.place:
        conditions.append(or_(_contains(tx, "address", q.place), CaseRow.grid_code.startswith(q.place, autoescape=True)))
    for column, value in ((CaseRow.class_id, q.class_id), (CaseRow.status, q.status), (CaseRow.source_channel, q.channel)):
        if value:
            conditions.append(column == value)
    if q.since:
        conditions.append(CaseRow.created_at >= q.since)
    if q.until:
        conditions.append(CaseRow.created_at < q.until)
    return conditions


class CaseSearchStore:
    """Mixed into `Store`."""

    if TYPE_CHECKING:
        def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    async def search_cases(self, q: CaseSearch) -> tuple[list[CaseRow], int]:
        """The page of matching cases, newest first, and how many match in all."""
        async with self.transaction() as tx:
            conditions = _conditions(tx, q)
            if conditions is None:
                return [], 0
            where = and_(True, *conditions)
            rows = list(await tx.session.scalars(select(CaseRow).where(where).order_by(CaseRow.id.desc()).limit(q.limit).offset(q.offset)))
            if q.number:  # a case number carries its date: a wrong date names no case
                rows = [c for c in rows if len(q.number) < 14 or case_number(c.id, c.created_at) == q.number]
                return rows, len(rows)
            total = await tx.session.scalar(select(func.count()).select_from(CaseRow).where(where)) if rows or q.offset else 0
            return rows, total or 0

    async def case_file(self, case_id: int) -> CaseFile | None:
        """Everything the console shows of one case, read in one transaction."""
        async with self.transaction() as tx:
            case = await tx.case(case_id)
            if case is None:
                return None
            reports = list(await tx.session.scalars(
                select(ReportRow).where(or_(ReportRow.case_id == case.id, ReportRow.original_case_id == case.id)).order_by(ReportRow.id)))
            deliveries = list(await tx.session.scalars(select(DeliveryRow).where(DeliveryRow.case_id == case.id).order_by(DeliveryRow.created_at)))
            feedback = list(await tx.session.scalars(select(FeedbackRow).where(FeedbackRow.case_id == case.id).order_by(FeedbackRow.id)))
            audit = list(await tx.session.scalars(
                select(AuditRow).where(AuditRow.entity == "case", AuditRow.entity_id == str(case.id)).order_by(AuditRow.id)))
            related = {i for i in (case.merged_into, case.possible_duplicate_of) if i is not None}
            related |= {r.case_id for r in reports if r.case_id is not None} | {r.original_case_id for r in reports if r.original_case_id}
            related |= {int(v) for a in audit for k, v in (a.detail or {}).items() if k in CASE_DETAIL_KEYS and isinstance(v, int)}
            numbers = {i: case_number(i, created) for i, created in await tx.session.execute(
                select(CaseRow.id, CaseRow.created_at).where(CaseRow.id.in_(related)))} if related else {}
            return CaseFile(case, reports, deliveries, feedback, audit, numbers)

    async def case_numbers_of_reports(self, report_ids: list[int]) -> dict[int, str]:
        """report id -> number of the case that holds the report now."""
        if not report_ids:
            return {}
        async with self.transaction() as tx:
            rows = await tx.session.execute(select(ReportRow.id, CaseRow.id, CaseRow.created_at).join(CaseRow, CaseRow.id == ReportRow.case_id)
                                            .where(ReportRow.id.in_(report_ids)))
            return {report_id: case_number(case_id, created) for report_id, case_id, created in rows}

    async def merge_root(self, case_id: int) -> CaseRow | None:
        """The case a chain of merges ends in (the case itself when it was not merged)."""
        async with self.transaction() as tx:
            case = await tx.case(case_id)
            return await follow_merges(tx, case) if case is not None else None


async def follow_merges(tx: Tx, case: CaseRow, *, for_update: bool = False) -> CaseRow:
    """The case that holds `case`'s reports now: `merged_into` followed to its end (a loop stops where it closes)."""
    seen = {case.id}
    while case.merged_into is not None and case.merged_into not in seen:
        target = await tx.case(case.merged_into, for_update=for_update)
        if target is None:
            break
        seen.add(target.id)
        case = target
    return case


CASE_DETAIL_KEYS = ("into", "source", "from_case", "to_case", "possible_duplicate_of", "case_id")
"""Keys of audit details that hold a case id."""
