"""The store's case search on SQLite and PostgreSQL: every part of a search, indexes in step with the table, pages."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from gateway.domain import Channel, ContactIn, ReportIn
from gateway.delivery.payload import case_number
from gateway.intake.reporters import reporter_key
from gateway.store.casesearch import CaseSearch
from gateway.store.engine import create_engine
from gateway.store.models import CaseRow, ReportRow
from gateway.store.store import Store, utcnow

PHONE = "+8613900002222"


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    running = Store(create_engine(database_url))
    yield running
    await running.close()


async def add_case(store: Store, words: str, *, phone: str | None = None, channel: str = "web", status: str = "forwarded",
                   class_id: str | None = "cp-0114", address: str | None = None, grid: str | None = None, age_days: int = 0) -> CaseRow:
    when = utcnow() - timedelta(days=age_days)
    contact = ContactIn(phone=phone) if phone else None
    key = reporter_key(ReportIn(text=words, channel=Channel(channel), contact=contact)) if contact else None
    async with store.transaction() as tx:
        case = await tx.add(CaseRow(created_at=when, updated_at=when, status=status, class_id=class_id, text=words, language="zh",
                                    address=address, grid_code=grid, source_channel=channel, case_source="网络上报", reports_count=1, version=1))
        await tx.add(ReportRow(received_at=when, channel=channel, language="zh", text=words, contact=contact.model_dump() if contact else None,
                               reporter_key=key, media=[], case_id=case.id))
        return case


async def found(store: Store, **search: object) -> list[int]:
    rows, total = await store.search_cases(CaseSearch(**search))  # type: ignore[arg-type]
    assert total >= len(rows)
    return [c.id for c in rows]


async def test_each_part_of_a_search_finds_its_cases(store: Store) -> None:
    cover = await add_case(store, "解放路口的井盖不见了", phone=PHONE, channel="hotline", address="解放路和中山路交叉口", grid="320508001001")
    bins = await add_case(store, "小区门口的垃圾桶满了 Overflowing BINS", class_id="ev-0101", status="needs_review", age_days=3)
    other = await add_case(store, "路灯不亮了", phone="+8613700003333", channel="sms", address="人民路88号")

    assert await found(store, number=case_number(cover.id, cover.created_at)) == [cover.id]
    assert await found(store, number="19990101" + f"{cover.id:06d}") == []  # the right id under a wrong date
    assert await found(store, phone=PHONE) == [cover.id]
    assert await found(store, phone="139 0000 2222") == [cover.id]  # as an agent types it
    assert await found(store, phone="2222") == []
    assert await found(store, words="井盖不见") == [cover.id]  # trigram index
    assert await found(store, words="井盖") == [cover.id]  # two characters: row by row
    assert await found(store, words="overflowing bins") == [bins.id]  # letters of any case
    assert await found(store, words="100%") == []  # LIKE's wildcards are plain characters
    assert await found(store, place="中山路") == [cover.id]
    assert await found(store, place="32050800") == [cover.id]  # a grid code's beginning
    assert await found(store, class_id="ev-0101") == [bins.id]
    assert await found(store, status="needs_review") == [bins.id]
    assert await found(store, channel="sms") == [other.id]
    assert await found(store, since=utcnow() - timedelta(days=1)) == [other.id, cover.id]
    assert await found(store, until=utcnow() - timedelta(days=1)) == [bins.id]
    assert await found(store, words="不", channel="hotline") == [cover.id]  # parts together


async def test_the_word_index_follows_changes_of_a_case(store: Store) -> None:
    case = await add_case(store, "人行道上的地砖松动了")
    async with store.transaction() as tx:
        row = await tx.case(case.id, for_update=True)
        assert row is not None
        row.text, row.address = "桥下的护栏被撞坏了", "新华桥"
    assert await found(store, words="地砖松动") == []
    assert await found(store, words="护栏被撞") == [case.id]
    assert await found(store, place="新华桥") == [case.id]
    async with store.transaction() as tx:
        await tx.session.execute(text("DELETE FROM reports"))
        await tx.session.execute(text("DELETE FROM cases"))
    assert await found(store, words="护栏被撞") == []


async def test_results_come_in_pages_newest_first_with_the_total(store: Store) -> None:
    ids = [(await add_case(store, f"第{i}处积水严重")).id for i in range(7)]
    first, total = await store.search_cases(CaseSearch(words="积水严重", limit=3))
    second, _ = await store.search_cases(CaseSearch(words="积水严重", limit=3, offset=3))
    last, _ = await store.search_cases(CaseSearch(words="积水严重", limit=3, offset=6))
    assert total == 7
    assert [c.id for c in first + second + last] == list(reversed(ids))


async def test_a_search_of_text_uses_the_index(store: Store, database_url: str) -> None:
    """The engine's plan for a search by words reads the trigram index, not the whole table."""
    await add_case(store, "井盖不见了")
    async with store.transaction() as tx:
        if database_url.startswith("sqlite"):
            plan = " ".join(str(r[-1]) for r in await tx.session.execute(
                text("EXPLAIN QUERY PLAN SELECT id FROM cases WHERE id IN (SELECT rowid FROM cases_fts WHERE cases_fts MATCH :q)"),
                {"q": 'text : "井盖不"'}))
            assert "VIRTUAL TABLE INDEX" in plan, plan
        else:
            await tx.session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(r[0] for r in await tx.session.execute(text("EXPLAIN SELECT id FROM cases WHERE text ILIKE '%井盖不%'")))
            assert "ix_cases_text_trgm" in plan, plan
