"""Proof of being a reporter: a per-report key in the links only the reporter is given, and their one 回访 answer."""
from __future__ import annotations

import asyncio
from weakref import WeakKeyDictionary

from redis import Redis

from gateway.casework.cases import Casework
from gateway.domain import Channel, Satisfaction
from gateway.settings import Settings
from gateway.signing import subject_token, subject_token_valid
from gateway.store.models import AuditRow, CaseRow, ReportRow
from gateway.store.store import Store, Tx

SECRET_SETTING = "web.reporter_link_secret"
ANSWER_GUARD_SECONDS = 600
_secrets: WeakKeyDictionary[Store, str] = WeakKeyDictionary()


class AlreadyAnswered(Exception):
    """This report's 回访 answer was given before (one answer per report; a second is refused)."""

    def __init__(self, answer: str | None) -> None:
        super().__init__(answer)
        self.answer = answer


async def link_secret(tx: Tx) -> str:
    """The server's secret for reporter keys (made on first need and kept in SQL, so every process shares it)."""
    return await tx.server_secret(SECRET_SETTING)


async def cached_secret(store: Store) -> str:
    """`link_secret`, read once per store (it never changes)."""
    if store not in _secrets:
        async with store.transaction() as tx:
            _secrets[store] = await link_secret(tx)
    return _secrets[store]


def report_key(secret: str, report_id: int) -> str:
    """`<report id>.<token>`: the `key` of the reporter's links."""
    return f"{report_id}.{subject_token(secret, f'report:{report_id}')}"


def keyed_report(secret: str, key: str) -> int | None:
    """The report id a key proves, or None for a key that does not verify."""
    report_id, _, token = key.partition(".")
    if not (report_id.isdigit() and len(report_id) <= 18 and token) or not subject_token_valid(secret, f"report:{report_id}", token):
        return None
    return int(report_id)


async def reporter_link(tx: Tx, settings: Settings, report_id: int, number: str) -> str:
    """The reporter's own link to their case (progress and 回访), for notifications; `number` is the case number."""
    return f"{settings.public_base_url.rstrip('/')}/cases/{number}?key={report_key(await link_secret(tx), report_id)}"


async def proven_report(store: Store, case: CaseRow, key: str | None) -> int | None:
    """The id of the report `key` proves, if that report is (now) part of `case`."""
    report_id = keyed_report(await cached_secret(store), key) if key else None
    if report_id is None:
        return None
    async with store.transaction() as tx:
        report = await tx.session.get(ReportRow, report_id)
    return report_id if report is not None and report.case_id == case.id else None


async def report_by_phone_digits(store: Store, case: CaseRow, digits: str) -> int | None:
    """The earliest report of `case` whose contact phone ends in `digits` (the last four, as 12345 lines ask), or None."""
    async with store.transaction() as tx:
        reports = await tx.reports_of_case(case.id)
    for report in sorted(reports, key=lambda r: r.id):
        phone = "".join(ch for ch in str((report.contact or {}).get("phone") or "") if ch.isdigit())
        if len(phone) >= len(digits) and phone.endswith(digits):
            return report.id
    return None


def actor_of(report_id: int) -> str:
    """The audit actor of a web reporter's answer: it names the report, so its one answer can be found."""
    return f"web:report:{report_id}"


def answer_of(audit: list[AuditRow], report_id: int) -> str | None:
    """The 回访 answer this report gave on the case, if any."""
    actor = actor_of(report_id)
    return next(((a.detail or {}).get("answer") for a in audit if a.action == "feedback" and a.actor == actor), None)


async def record_answer(casework: Casework, redis: Redis, case: CaseRow, report_id: int, answer: Satisfaction) -> None:
    """Store the reporter's answer once. A Redis guard closes the gap between the check and the write against
    double clicks; the audit log in SQL stays the record of what was answered."""
    guard = f"web:feedback:{report_id}"
    if not await asyncio.to_thread(redis.set, guard, "1", nx=True, ex=ANSWER_GUARD_SECONDS):
        raise AlreadyAnswered(None)
    try:
        given = answer_of(await casework.store.audit_of("case", case.id), report_id)
        if given is not None:
            raise AlreadyAnswered(given)
        await casework.record_feedback(case.id, answer, Channel.WEB.value, actor_of(report_id))
    except BaseException:
        await asyncio.to_thread(redis.delete, guard)
        raise
