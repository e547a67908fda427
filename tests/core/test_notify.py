"""Status changes owe each consenting reporter one message, in their language, kept in SQL until sent."""
from __future__ import annotations

from sqlalchemy import select

from gateway.notify import send_one
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
