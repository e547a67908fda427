"""CSV export of cases, filtered as the case list is, streamed in pages, UTF-8 with a BOM so spreadsheet programs read Chinese."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import replace
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

from aiohttp import web

from channels.web.console.admin.catalogue import TEXTS
from channels.web.console.admin.routing import ADMIN, error_text, page, routes
from channels.web.console.admin.rulesets import class_label
from channels.web.console.auth import console_lang, current_user, login_required
from channels.web.console.names import channel_name
from classifier.tables import CodeTables
from gateway.appkeys import STORE, TABLES
from gateway.domain import OPEN_STATUSES, CaseStatus, Channel, status_name
from gateway.i18n import InputError
from gateway.delivery.payload import CHINA, case_number
from gateway.store.clock import as_utc, utcnow
from gateway.store.models import CaseRow
from gateway.store.store import CaseFilter, Store

PAGE = 500
OPEN = {s.value for s in OPEN_STATUSES}
COLUMNS = ("case_number", "created_at", "status", "class_id", "class_name", "channel", "case_source", "reports_count",
           "address", "lat", "lon", "grid_code", "due_at", "overdue", "text")


def headers(lang: str) -> list[str]:
    """The header row in the reader's language (the columns' order is COLUMNS)."""
    return [TEXTS[f"csv_{column}"]["en" if lang == "en" else "zh"] for column in COLUMNS]


def parse_filter(query: Mapping[str, str], tables: CodeTables) -> CaseFilter:
    """The case filter of a query string (status, class_id, channel, since, until as China dates, overdue); InputError when bad."""
    status, class_id, channel = query.get("status") or None, query.get("class_id") or None, query.get("channel") or None
    if status is not None and status not in {s.value for s in CaseStatus}:
        raise InputError("unknown_status", status=status[:40])
    if class_id is not None and class_id not in tables:
        raise InputError("unknown_class", class_id=class_id[:64])
    if channel is not None and channel not in {c.value for c in Channel}:
        raise InputError("export_unknown_channel", channel=channel[:40])
    since, until = china_day(query, "since"), china_day(query, "until")
    if since and until and since >= until:
        raise InputError("export_bad_range")
    return CaseFilter(status=status, class_id=class_id, channel=channel, since=since, until=until, overdue=query.get("overdue") == "1")


def china_day(query: Mapping[str, str], name: str) -> datetime | None:
    """The start of a YYYY-MM-DD China day (`until` is exclusive: the day after the one given)."""
    raw = query.get(name)
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InputError("export_bad_date", field=name) from None
    return datetime.combine(day + timedelta(days=1) if name == "until" else day, time(0), CHINA)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def cell(value: str) -> str:
    """A value a spreadsheet program shows as the text it is: one that would start a formula (=, +, -, @, a tab or a
    carriage return first, e.g. =HYPERLINK(...) typed by a citizen) is marked as text by a leading apostrophe; plain
    numbers (a negative coordinate) stay numbers."""
    if value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def local(value: datetime | None) -> str:
    return as_utc(value).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def case_line(case: CaseRow, tables: CodeTables, lang: str, now: datetime) -> list[str]:
    overdue = case.due_at is not None and as_utc(case.due_at) < now and case.status in OPEN
    return [cell(value) for value in (case_number(case.id, case.created_at), local(case.created_at), status_name(case.status, lang), case.class_id or "",
            class_label(tables, case.class_id, lang) if case.class_id else "", channel_name(case.source_channel, lang), case.case_source, str(case.reports_count),
            case.address or "", "" if case.lat is None else f"{case.lat:.6f}", "" if case.lon is None else f"{case.lon:.6f}",
            case.grid_code or "", local(case.due_at), "1" if overdue else "0", case.text)]


async def matching_cases(store: Store, flt: CaseFilter) -> AsyncIterator[CaseRow]:
    """Every case the filter matches, newest first, a page at a time; a case created meanwhile shifts pages, never repeats."""
    seen_below: int | None = None
    offset = 0
    while True:
        rows, _ = await store.cases(replace(flt, limit=PAGE, offset=offset))
        for row in rows:
            if seen_below is None or row.id < seen_below:
                seen_below = row.id
                yield row
        if len(rows) < PAGE:
            return
        offset += PAGE


@routes.get(f"{ADMIN}/export")
@login_required("admin")
async def export_page(request: web.Request) -> web.Response:
    tables = request.config_dict[TABLES]
    return page(request, "export.html", {"statuses": [s.value for s in CaseStatus], "channels": [c.value for c in Channel],
                                          "classes": tables.classes(), "tables": tables, "query": request.query})


@routes.get(f"{ADMIN}/export.csv")
@login_required("admin")
async def export_csv(request: web.Request) -> web.StreamResponse:
    tables = request.config_dict[TABLES]
    try:
        flt = parse_filter(request.query, tables)
    except InputError as exc:
        return page(request, "export.html", {"statuses": [s.value for s in CaseStatus], "channels": [c.value for c in Channel],
                                              "classes": tables.classes(), "tables": tables, "query": request.query, "error": error_text(request, exc)}, 400)
    lang, now = console_lang(request), utcnow()
    async with request.config_dict[STORE].transaction() as tx:
        await tx.audit("cases", "export", "exported", f"console:{current_user(request).username}",
                       **{k: v for k, v in request.query.items() if k in ("status", "class_id", "channel", "since", "until", "overdue") and v})
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="cases-{now.astimezone(CHINA):%Y%m%d-%H%M}.csv"',
        "Cache-Control": "no-store",
    })
    await response.prepare(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(headers(lang))
    count = 0
    async for case in matching_cases(request.config_dict[STORE], flt):
        writer.writerow(case_line(case, tables, lang, now))
        count += 1
        if count % 100 == 0:
            await response.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    await response.write(buffer.getvalue().encode("utf-8"))
    await response.write_eof()
    return response
