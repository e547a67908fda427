"""Status changes owe each consenting reporter one message, in their language, kept in SQL until sent."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from gateway.casework.notify import send_one
from gateway.queueing import make_queue
from gateway.store.models import NotificationRow
from tests.core.conftest import Api
from tests.core.test_callbacks import post_callback

PLACE = {"lat": 31.30, "lon": 120.62}


async def notifications(api: Api) -> list[NotificationRow]:
    async with api.store.transaction() as tx:
        return list(await tx.session.scalars(select(NotificationRow).order_by(NotificationRow.created_at)))


async def test_status_change_notifies_each_consenting_reporter_once_in_their_language(api: Api) -> None:
    first = await api.report(text="桥下垃圾堆了一周", class_id="ev-2013-0111", location=PLACE, channel="telegram",
                             contact={"telegram_chat_id": 1001, "consent_updates": True}, language="zh")
    await api.report(text="桥下垃圾堆了一周了没人管", class_id="ev-2013-0111", location=PLACE, channel="sms",
                     contact={"phone": "+8613800000001", "consent_updates": True}, language="en")
    await api.report(text="桥下垃圾堆了一周还在", class_id="ev-2013-0111", location=PLACE, channel="telegram",
                     contact={"telegram_chat_id": 1001, "consent_updates": True}, language="zh")
    await api.report(text="桥下的垃圾堆一周了", class_id="ev-2013-0111", location=PLACE, channel="web",
                     contact={"email": "a@example.org", "consent_updates": False})
    assert (await post_callback(api, {"case_id": first["case_id"], "status": "派遣", "note": "已派环卫所"})).status == 200
    rows = await notifications(api)
    assert sorted((r.channel, r.language) for r in rows) == [("sms", "en"), ("telegram", "zh")]
    zh = next(r for r in rows if r.channel == "telegram")
    assert first["case_id"] in zh.text and "已派遣" in zh.text and "已派环卫所" in zh.text
    en = next(r for r in rows if r.channel == "sms")
    assert "has been assigned" in en.text
    assert (await post_callback(api, {"case_id": first["case_id"], "status": "派遣", "note": "补充说明"})).status == 200
    assert len(await notifications(api)) == 2, "a note without a status change owes nobody a message"


async def test_a_channel_without_a_notifier_is_skipped_and_said_so(api: Api) -> None:
    case = await api.report(text="路灯不亮", class_id="cp-0118", channel="voice", contact={"phone": "13800000002", "consent_updates": True})
    await post_callback(api, {"case_id": case["case_id"], "status": "accepted"})
    [row] = await notifications(api)
    status = await send_one(api.settings, api.store.transaction, make_queue(api.settings), row.id)
    assert status == "skipped"
    [row] = await notifications(api)
    assert row.last_error == "no notifier for channel voice"
    assert await send_one(api.settings, api.store.transaction, make_queue(api.settings), row.id) == "skipped", "safe to run twice"


async def test_an_unconfigured_channel_skips_its_notifications_with_the_reason_and_logs_once(
        api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("gateway.casework.notify._unconfigured_logged", set())
    assert api.settings.mail is None and "web" in api.settings.channels
    for text, lat in (("路灯不亮", 31.30), ("路灯不亮了", 31.35)):
        case = await api.report(text=text, class_id="cp-0118", location={"lat": lat, "lon": 120.62}, channel="web",
                                contact={"email": "a@example.org", "consent_updates": True})
        await post_callback(api, {"case_id": case["case_id"], "status": "accepted"})
    rows = await notifications(api)
    assert len(rows) == 2
    queue = make_queue(api.settings)
    with caplog.at_level(logging.WARNING, logger="gateway.casework.notify"):
        for row in rows:
            assert await send_one(api.settings, api.store.transaction, queue, row.id) == "skipped"
    rows = await notifications(api)
    assert {r.status for r in rows} == {"skipped"}
    assert all(r.last_error == "not configured: mail is not configured in settings" for r in rows)
    assert queue.scheduled_job_registry.get_job_ids() == [], "nothing is retried"
    assert [r.getMessage() for r in caplog.records] == [
        "web notifications are skipped: not configured: mail is not configured in settings"]
