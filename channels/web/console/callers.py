"""A caller's history: their earlier reports (by the pseudonymous reporter key of their number) and their open cases."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select

from gateway.domain import OPEN_STATUSES, Channel, ContactIn, ReportIn
from gateway.pipeline import reporter_key
from gateway.store.models import CaseRow, ReportRow
from gateway.store.store import Store

PHONE_CHANNELS = (Channel.HOTLINE, Channel.VOICE, Channel.SMS, Channel.WHATSAPP, Channel.WEB)
HISTORY_LIMIT = 20


@dataclass(frozen=True)
class History:
    reports: list[tuple[ReportRow, CaseRow]]
    open_cases: list[CaseRow]


def phone_contact(caller: str | None, consent: bool) -> ContactIn | None:
    """The caller's number as a report's contact, when it is a number at all (withheld numbers are not)."""
    try:
        return ContactIn(phone=caller, consent_updates=consent) if caller else None
    except ValidationError:
        return None


def caller_keys(phone: str) -> list[str]:
    """The reporter keys the pipeline gave reports with this phone number, on every channel that takes one."""
    contact = phone_contact(phone, consent=False)
    if contact is None:
        return []
    return [key for channel in PHONE_CHANNELS if (key := reporter_key(ReportIn(text="-", channel=channel, contact=contact)))]


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
