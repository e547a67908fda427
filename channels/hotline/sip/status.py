"""Case status by keypad: the case behind the digits a caller typed, and the caller's consent to hear of it by SMS."""
from __future__ import annotations

from sqlalchemy import select

from channels.hotline.sip.flows import CaseStatusInfo
from gateway.intake.reporters import caller_keys
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.delivery.payload import case_number, parse_case_number
from gateway.store.models import ReportRow
from gateway.store.store import Store


async def case_status(store: Store, digits: str) -> CaseStatusInfo | None:
    """The case number and status for a typed case number (or bare id); None when no such case."""
    try:
        case = await load_case(store, digits)
    except ApiError:
        return None
    return CaseStatusInfo(case_number(case.id, case.created_at), case.status)


async def consent_to_case_updates(store: Store, number: str, caller: str | None) -> int:
    """The caller's own reports on the case (by their number, on any phone channel) now ask for status messages;
    how many. A caller who reported nothing on it is only remembered in the call's detail."""
    keys = caller_keys(caller) if caller else []
    case_id = parse_case_number(number)
    if not keys or case_id is None:
        return 0
    async with store.transaction() as tx:
        reports = list(await tx.session.scalars(
            select(ReportRow).where(ReportRow.case_id == case_id, ReportRow.reporter_key.in_(keys)).with_for_update()))
        for report in reports:
            report.consent_updates = True
        return len(reports)
