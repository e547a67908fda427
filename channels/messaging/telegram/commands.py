"""Answers that need no conversation: /status <case> and /mycases."""
from __future__ import annotations

from datetime import timedelta

from classifier.tables import CodeTables
from channels.messaging.telegram.texts import STATUS_NAMES_EN, text
from gateway.api.cases import load_case
from gateway.api.errors import ApiError
from gateway.domain import STATUS_NAMES_ZH, CaseStatus, Channel, ContactIn, ReportIn
from gateway.payload import case_number
from gateway.pipeline import reporter_key
from gateway.store.models import CaseRow
from gateway.store.store import Store, utcnow

EDITION = "gbt30428-2013"
MY_CASES_WINDOW = timedelta(days=30)


def class_name(tables: CodeTables, class_id: str | None) -> str | None:
    """'<major> · <minor>' of a class in the national edition, or None."""
    code = tables.render(class_id, EDITION) if class_id and class_id in tables else None
    return f"{code.major_name} · {code.minor_name}" if code else None


def status_name(status: str, lang: str) -> str:
    return STATUS_NAMES_EN[status] if lang == "en" else STATUS_NAMES_ZH[CaseStatus(status)]


def describe_case(case: CaseRow, tables: CodeTables, lang: str) -> str:
    return text(
        lang, "case_status",
        case=case_number(case.id, case.created_at),
        status=status_name(case.status, lang),
        name=class_name(tables, case.class_id) or text(lang, "let_staff_decide"),
        updated=case.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
    )


async def find_case(store: Store, number: str) -> CaseRow | None:
    try:
        return await load_case(store, number)
    except ApiError:
        return None


async def reported_by(store: Store, case: CaseRow, chat_id: int) -> bool:
    """True when the chat sent one of the case's reports."""
    key = chat_reporter_key(chat_id)
    async with store.transaction() as tx:
        return any(r.reporter_key == key for r in await tx.reports_of_case(case.id))


def chat_reporter_key(chat_id: int) -> str:
    """The pipeline's reporter key of a chat (the same one its reports are stored under)."""
    key = reporter_key(ReportIn(text="-", channel=Channel.TELEGRAM, contact=ContactIn(telegram_chat_id=chat_id)))
    assert key is not None
    return key


async def my_cases_reply(store: Store, tables: CodeTables, lang: str, chat_id: int) -> str:
    async with store.transaction() as tx:
        rows = await tx.open_cases_of_reporter(chat_reporter_key(chat_id), utcnow() - MY_CASES_WINDOW)
    unique = list({case.id: case for case in rows}.values())
    if not unique:
        return text(lang, "no_cases")
    return text(lang, "my_cases", lines="\n".join(describe_case(case, tables, lang) for case in unique))
