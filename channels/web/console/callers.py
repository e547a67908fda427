"""A caller's history: their earlier reports (by the pseudonymous reporter key of their number) and their open cases."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gateway.domain import OPEN_STATUSES
from gateway.intake.reporters import caller_keys
from gateway.store.models import CaseRow, ReportRow
from gateway.store.store import Store

HISTORY_LIMIT = 20


@dataclass(frozen=True)
class History:
    reports: list[tuple[ReportRow, CaseRow]]
    open_cases: list[CaseRow]


async def caller_history(store: Store, phone: str) -> History:
    """Newest reports first; open cases newest first (the queries the store does not have, in one transaction)."""
    keys = caller_keys(phone)
    if not keys:
        return History([], [])
    async with store.transaction() as tx:
        reports = (await tx.session.execute(
            select(ReportRow, CaseRow).join(CaseRow, ReportRow.case_id == CaseRow.id)
            .where(ReportRow.reporter_key.in_(keys)).order_by(ReportRow.received_at.desc(), ReportRow.id.desc()).limit(HISTORY_LIMIT)
        )).all()
        open_cases = (await tx.session.scalars(
            select(CaseRow).where(CaseRow.id.in_(select(ReportRow.case_id).where(ReportRow.reporter_key.in_(keys))),
                                  CaseRow.status.in_([s.value for s in OPEN_STATUSES])).order_by(CaseRow.created_at.desc())
        )).all()
    return History([(report, case) for report, case in reports], list(open_cases))
