"""Case status by keypad: the case behind the digits a caller typed."""
from __future__ import annotations

from channels.hotline.sip.flows import CaseStatusInfo
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.payload import case_number
from gateway.store.store import Store


async def case_status(store: Store, digits: str) -> CaseStatusInfo | None:
    """The case number and status for a typed case number (or bare id); None when no such case."""
    try:
        case = await load_case(store, digits)
    except ApiError:
        return None
    return CaseStatusInfo(case_number(case.id, case.created_at), case.status)
