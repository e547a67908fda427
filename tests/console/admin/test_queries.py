"""The admin pages' own queries and helpers on SQLite and PostgreSQL: China days, medians, rates, the audit filter;
rule diffs and drafts, export filters, stored duplicate policies and platforms."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import pytest

from channels.web.console.admin import queries
from channels.web.console.admin.export import parse_filter
from channels.web.console.admin.rulesets import diff, parse_draft
from classifier import load_tables
from gateway.intake.dedup import DEDUP_SETTING, Deduplicator, stored_policies
from gateway.i18n import InputError
from gateway.location.dedup import Sighting
from gateway.location.errors import DedupError
from gateway.delivery.outbox import merged_platforms
from gateway.settings import PlatformSettings, Settings
from gateway.store.engine import create_engine
from gateway.store.models import CaseRow
from gateway.store.store import Store

UTC = timezone.utc


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    store = Store(create_engine(database_url))
    yield store
    await store.close()


async def add_case(store: Store, created: datetime, class_id: str | None, channel: str, status: str = "forwarded") -> int:
    async with store.transaction() as tx:
        row = await tx.add(CaseRow(created_at=created, updated_at=created, status=status, class_id=class_id, text="x", language="zh",
                                   source_channel=channel, case_source="公众举报", lat=31.3, lon=120.6))
        return row.id


async def test_cases_are_counted_by_china_day_class_and_channel(store: Store) -> None:
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # 18:00 in China
    await add_case(store, datetime(2026, 11, 21, 16, 30, tzinfo=UTC), "cp-0118", "web")  # 00:30 on the 22nd in China
    await add_case(store, datetime(2026, 11, 21, 15, 30, tzinfo=UTC), "cp-0118", "api")  # 23:30 on the 21st in China
    await add_case(store, datetime(2026, 11, 22, 9, 0, tzinfo=UTC), None, "web")
    await add_case(store, datetime(2026, 11, 19, 15, 0, tzinfo=UTC), "cp-0118", "web")  # the 19th: outside three days
    counts = await queries.cases_per_day(store, 3, now)
    assert [d.isoformat() for d in counts.days] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert counts.by_class == {"cp-0118": [0, 1, 1], "": [0, 0, 1]}
    assert counts.by_channel == {"web": [0, 0, 2], "api": [0, 1, 0]}


async def test_delivery_figures_and_audit_filter(store: Store) -> None:
    created = datetime.now(UTC) - timedelta(hours=5)
    cases = [await add_case(store, created, "cp-0118", "web") for _ in range(3)]
    async with store.transaction() as tx:
        for case_id, hours, status in zip(cases, (1, 2, 4), ("delivered", "delivered", "delivered")):
            row = tx.add_delivery("city", case_id, "case.created", "{}")
            row.status, row.delivered_at = status, created + timedelta(hours=hours)
        tx.add_delivery("city", cases[0], "case.updated", "{}").status = "dead"
        tx.add_delivery("city", cases[1], "case.updated", "{}")
        await tx.audit("rules", 1, "created", "a")
        await tx.audit("rules", 2, "created", "b")
        await tx.audit("setting", "dedup", "changed", "a")
    assert await queries.median_hours_to_delivery(store, created - timedelta(minutes=1)) == pytest.approx(2.0)
    counts = await queries.delivery_counts(store, created - timedelta(days=1))
    assert counts == {"delivered": 3, "dead": 1, "pending": 1}
    assert queries.success_rate(counts) == 0.75 and queries.success_rate({"pending": 4}) is None
    assert [(a.entity, a.entity_id) for a in await queries.audit_entries(store, "rules", None, 10)] == [("rules", "2"), ("rules", "1")]
    newest = await queries.audit_entries(store, None, None, 1)
    assert [a.entity_id for a in await queries.audit_entries(store, None, None, 10, before=newest[0].id)] == ["2", "1"]
    assert await queries.audit_entity_kinds(store) == ["rules", "setting"]


def test_rule_drafts_are_checked_and_versions_compared() -> None:
    rules = parse_draft('[{"id": "a", "class_id": "cp-0118", "any_of": ["路灯"], "action": "force"}]')
    assert rules[0]["any_of"] == ["路灯"] and rules[0]["enabled"] is True
    lines = diff([], rules, "v1", "v2")
    assert lines[0] == ("file", "--- v1") and ("add", '+    "class_id": "cp-0118",') in lines
    assert [line for kind, line in lines if kind == "del"] == ["-[]"]
    for text, code in (("{", "rules_not_json"), ("{}", "rules_not_list"), ('[{"id": "a", "class_id": "zz", "any_of": ["x"]}]', "rule_unknown_class"),
                       ('[{"id": "a", "class_id": "cp-0118"}]', "rule_no_condition")):
        with pytest.raises(InputError) as refused:
            parse_draft(text)
        assert refused.value.code == code, text


def test_export_filters_are_refused_when_bad() -> None:
    tables = load_tables()
    flt = parse_filter({"since": "2026-11-01", "until": "2026-11-01", "class_id": "cp-0118", "overdue": "1"}, tables)
    assert flt.since is not None and flt.until is not None and flt.until - flt.since == timedelta(days=1) and flt.overdue
    assert flt.since.utcoffset() == timedelta(hours=8)
    for query, code in (({"status": "lost"}, "unknown_status"), ({"class_id": "zz"}, "unknown_class"), ({"channel": "fax"}, "export_unknown_channel"),
                        ({"since": "yesterday"}, "export_bad_date"), ({"since": "2026-11-02", "until": "2026-11-01"}, "export_bad_range")):
        with pytest.raises(InputError) as refused:
            parse_filter(query, tables)
        assert refused.value.code == code, query


def test_stored_duplicate_policies_and_platforms() -> None:
    book = stored_policies({"classes": {"cp-0118": {"radius_m": 30, "window_hours": 2, "threshold": 0.05}}})
    policy = book.policy_for("cp-0118")
    assert (policy.radius_m, policy.window, policy.threshold, policy.borderline) == (30.0, timedelta(hours=2), 0.05, 0.05)
    assert book.policy_for("cp-0101") == book.default
    with pytest.raises(DedupError):
        stored_policies({"classes": {"cp-0118": {"radius_m": 30, "window_hours": 0, "threshold": 0.2}}})
    file_one = PlatformSettings(id="city", url="http://a.example/cases", secret="s" * 16)
    settings = Settings(platforms=[file_one])
    stored = {"items": [file_one.model_dump(mode="json") | {"enabled": False}, {"id": "new", "url": "http://b.example/", "secret": "t" * 16}]}
    assert [(p.id, p.enabled) for p in merged_platforms(settings, stored)] == [("city", False), ("new", True)]
    assert merged_platforms(settings, None) == [file_one]


async def test_unusable_stored_duplicate_settings_leave_the_ones_in_use(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    await store.set_admin_setting(DEDUP_SETTING, {"classes": {"cp-0118": {"radius_m": -1, "window_hours": 1, "threshold": 0.2}}}, "test")
    dedup = Deduplicator(load_tables())
    async with store.transaction() as tx:
        assert await dedup.find(tx, Sighting("cp-0118", 31.3, 120.6, 0.0, datetime.now(UTC), "路灯不亮")) is None
    assert dedup.policies.by_class == {} and "unusable" in caplog.text
