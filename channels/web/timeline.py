"""A case's audit log as the citizen reads it: what happened, when, and the platform's notes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone

from channels.web.catalogue import text
from gateway.domain import satisfaction_name, status_name
from gateway.i18n import Lang
from gateway.store.models import AuditRow
from gateway.store.store import as_utc

CHINA = timezone(timedelta(hours=8))
SHOWN = ("created", "forwarded", "classified", "report_joined", "absorbed", "merged", "status_changed", "platform_note", "feedback")


@dataclass(frozen=True)
class Step:
    at: str
    title: str
    note: str | None
    status: str | None


def steps(audit: list[AuditRow], lang: Lang) -> list[Step]:
    """The shown entries of a case's audit log, oldest first, in China time."""
    out = []
    for row in audit:
        if row.action not in SHOWN:
            continue
        detail = row.detail or {}
        params: dict[str, object] = {"reports_count": detail.get("reports_count", "")}
        if row.action == "status_changed":
            params["status"] = status_name(detail["status"], lang)
        if row.action == "feedback":
            params["answer"] = satisfaction_name(detail["answer"], lang)
        note = detail.get("note") if row.action in ("status_changed", "platform_note") else None
        out.append(Step(as_utc(row.at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M"), text(f"event_{row.action}", lang, **params), note, detail.get("status") if row.action == "status_changed" else None))
    return out
