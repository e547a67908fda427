"""Channel status: calls in progress per SIP worker from the store, call events live on the page, webhook health from
what the store holds (last inbound, notifications sent and failed)."""
from __future__ import annotations

import asyncio
import json

import redis
from playwright.async_api import Browser

from gateway.calls import CallEvent, publish_call_event, worker_heartbeat
from gateway.store.clock import utcnow
from tests.console.admin.conftest import admin_page, report
from tests.console.conftest import MakeUser
from tests.web.conftest import Site


async def test_calls_in_progress_live_events_and_webhook_health(browser: Browser, console: Site, make_user: MakeUser, key: str) -> None:
    store = console.store
    held = await store.call_started("sip", "a@gw", line="12319", caller="13800000001", language="zh", worker="sip-0")
    await store.call_updated(held.id, state="answered", answered_at=utcnow())
    ended = await store.call_started("sip", "b@gw", line="12319", caller="13800000002", language="zh", worker="sip-1")
    await store.call_updated(ended.id, state="ended", ended_at=utcnow())
    await store.claim_inbound("twilio", "SM0123")
    beats = redis.Redis.from_url(console.settings.redis_url or "")
    worker_heartbeat(beats, "gw:sip-0", 1)
    await report(console, key, text="路口的红绿灯不亮了", channel="telegram")
    await report(console, key, text="小区门口的垃圾桶满了", channel="wechat")

    page = await admin_page(browser, console, make_user, "/console/admin/channels", locale="en-GB", language="en")
    assert await page.inner_text("#calls-count") == "1"
    assert "13800000001" in await page.inner_text(f"#call-{held.id}")
    assert (await page.inner_text("#workers tbody")).split("\t") == ["sip-0", "1 / 4"]
    assert "sip-0" in await page.content() and "sip-1" in await page.content()
    assert "gw:sip-0 (1)" in await page.inner_text("#workers-alive")
    assert (await page.inner_text("#health-wechat")).startswith("WeChat official account")
    for provider in ("telegram", "twilio", "wechat"):
        row = (await page.inner_text(f"#health-{provider}")).split("\t")
        assert row[1] == "no" and row[2] != "—" and row[3:5] == ["0", "0"], (provider, row)

    client = redis.Redis.from_url(console.settings.redis_url or "")
    event = CallEvent(kind="ringing", call_id=99, channel="sip", line="12319-en", caller="+8613800000003", language="en", worker="sip-1")
    for _ in range(100):  # the page subscribes once its script runs: publish until it has heard
        if publish_call_event(client, event):
            break
        await asyncio.sleep(0.05)
    await page.wait_for_selector("#live-events li")
    assert "ringing · sip · 12319-en · +8613800000003 · sip-1" in await page.inner_text("#live-events")
    kinds = json.loads(await page.locator("#call-kinds").text_content() or "{}")
    assert kinds["handed_off"] == "handed to an agent" and kinds["voicemail_recorded"] == "voicemail left", "kinds by their names"
    client.close()
    await page.context.close()
