"""Cases as the console shows them: number, text, status and class in the agent's language, place, times reported."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from classifier.tables import CodeTables
from gateway.domain import status_name
from gateway.delivery.payload import CHINA, case_number
from gateway.store.clock import as_utc
from gateway.store.models import CaseRow


def china_time(moment: datetime | None) -> str:
    """A stored (UTC) time as read in China, to the minute."""
    return as_utc(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


def case_brief(case: CaseRow, tables: CodeTables, lang: str, **extra: Any) -> dict[str, Any]:
    return {
        "number": case_number(case.id, case.created_at),
        "text": case.text,
        "status": case.status,
        "status_name": status_name(case.status, lang),
        "class_id": case.class_id,
        "class_name": tables.label(case.class_id, lang),
        "reports_count": case.reports_count,
        "address": case.address,
        "grid_code": case.grid_code,
        "created_at": china_time(case.created_at),
    } | extra
