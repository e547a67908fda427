"""Call assist, sending the report: once per report however often it is sent, never by GET, the call's state in the
feed line, the case's real status in the answer, whole words as reasons, and a reloaded screen logging nothing alarming."""
from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect
from redis import Redis

from channels.web.console.assist import _why
from classifier import Classifier
from gateway.calls import CallEvent, publish_call_event
from tests.console.conftest import MakeUser, agent_page, login, signed_in_http
from tests.console.test_call_assist import CALLER, ring, type_text
from tests.web.conftest import Site, count_cases, open_page, screenshots, serious_violations

LAMP = "人民路和解放路路口的路灯坏了，晚上一片漆黑，行人差点掉进沟里"


async def test_a_second_ctrl_enter_files_nothing_more_and_the_history_lists_it_once(
    browser: Browser, console: Site, make_user: MakeUser, out: Path
) -> None:
    call = await console.store.call_started("sip", "call-twice@test", line="12319", caller=CALLER, language="zh")
    page = await agent_page(browser, console, make_user)
    await expect(page.locator("#feed")).to_have_attribute("data-state", "live")
    await ring(console, CALLER, call.id)
    await expect(page.locator("#call-caller")).to_have_text(CALLER)
    await type_text(page, LAMP)
    await expect(page.locator("#classes li")).to_have_count(3)
    before = await count_cases(console)
    await page.keyboard.press("Control+Enter")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#result-number")).to_have_text(re.compile(r"^\d{14,}$"))
    first = await page.text_content("#result-number")
    await page.keyboard.press("Control+Enter")  # once more after the answer: the same case, said so
    await expect(page.locator("#result-lead")).to_contain_text("已提交过")
    await expect(page.locator("#result-number")).to_have_text(first or "")
    assert await count_cases(console) == before + 1
    async with signed_in_http(console, *(await make_user("agent"))) as (http, _):
        async with http.get(f"/console/api/callers/{CALLER}") as resp:
            history = await resp.json()
    assert [r["case"]["number"] for r in history["reports"]] == [first]
    assert await serious_violations(page) == []
    await screenshots(page, out, "assist-replayed")

    await page.keyboard.press("Alt+R")  # the next report is a new one
    await type_text(page, "小区门口的垃圾桶满了没人清运")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#result-lead")).to_have_text("已受理，案件编号：")
    await expect(page.locator("#result-number")).not_to_have_text(first or "")
    assert await count_cases(console) == before + 2


async def test_the_same_submission_key_answers_with_the_first_report(console: Site, make_user: MakeUser) -> None:
    body = {"text": LAMP, "caller": CALLER, "consent": True, "submission": "key-once-only-1"}
    async with signed_in_http(console, *(await make_user("agent", language="en"))) as (http, token):
        answers = []
        for _ in range(2):
            async with http.post("/console/api/reports", json=body, headers={"X-CSRF-Token": token}) as resp:
                answers.append((resp.status, await resp.json()))
        async with http.post("/console/api/reports", json=body | {"submission": "x"}, headers={"X-CSRF-Token": token}) as resp:
            short = await resp.json()
            assert resp.status == 400
    assert [status for status, _ in answers] == [201, 200]
    assert answers[0][1]["case"]["number"] == answers[1][1]["case"]["number"] and answers[1][1]["replayed"]
    assert short["error"]["field"] == "submission"
    assert await count_cases(console) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_without_javascript_nothing_personal_goes_into_a_url_and_nothing_is_filed(
    browser: Browser, console: Site, make_user: MakeUser, lang: str
) -> None:
    page = await open_page(browser, console, javascript=False)
    await login(page, *(await make_user("agent", language=lang)))
    await page.fill("#text", LAMP)
    await page.fill("#caller", CALLER)
    async with page.expect_navigation():
        await page.click("#submit")
    assert "?" not in page.url and "13800001111" not in page.url and page.url.endswith("/console/")
    said = "需要启用 JavaScript" if lang == "zh" else "needs JavaScript"
    await expect(page.locator("#needs-script")).to_contain_text(said)
    assert await count_cases(console) == 0


async def test_the_feed_line_follows_the_call_and_the_answer_names_the_real_status(
    browser: Browser, console: Site, make_user: MakeUser
) -> None:
    page = await agent_page(browser, console, make_user, locale="en-GB")
    await page.goto("/console/?lang=en")
    await expect(page.locator("#feed")).to_have_text("Waiting for calls")
    call = await console.store.call_started("sip", "call-feed@test", line="12319", caller=CALLER, language="zh")
    await ring(console, CALLER, call.id, kind="ringing")
    await expect(page.locator("#feed")).to_have_text("Call: ringing")
    await expect(page.locator("#feed")).to_have_attribute("data-state", "call")
    await ring(console, CALLER, call.id, kind="answered")
    await expect(page.locator("#feed")).to_have_text("Call: answered")
    await type_text(page, LAMP)
    await expect(page.locator("#classes li")).to_have_count(3)
    await page.keyboard.press("Alt+S")
    await expect(page.locator("#result-number")).to_have_text(re.compile(r"^\d{14,}$"))
    number = await page.text_content("#result-number") or ""
    case = await console.store.case(int(number[8:]))
    assert case is not None
    status = {"classified": "Categorised", "needs_review": "Waiting for review", "forwarded": "Passed to the platform"}[case.status]
    await expect(page.locator("#result-lead")).to_have_text("Received, case number:")
    await expect(page.locator("#result-detail")).to_contain_text(f"Status now: {status}.")
    await ring(console, CALLER, call.id, kind="hung_up")
    await expect(page.locator("#feed")).to_have_text("Call: hung up")
    await page.keyboard.press("Alt+R")
    await expect(page.locator("#feed")).to_have_text("Waiting for calls")
    assert await serious_violations(page) == []


def test_reasons_are_whole_words_of_the_text_never_fragments(classifier: Classifier) -> None:
    explanation = classifier.explain(LAMP, channel="hotline")
    tokens = explanation["tokens"]
    runs = {"".join(tokens[i:j]) for i in range(len(tokens)) for j in range(i + 1, min(i + 4, len(tokens)) + 1)}
    shown = _why(explanation["candidates"][:1])
    assert shown
    for said in shown:
        assert said in runs, f"{said!r} is not made of whole words of {tokens}"
    fragments = [f["token"] for c in explanation["candidates"] for f in c["features"] if f["type"] == "characters" and f["token"] not in tokens]
    assert fragments, "the model weighs character pairs, which must not show as such"
    assert not set(fragments) & set(shown)


async def test_a_reloaded_screen_leaves_no_alarming_log(browser: Browser, console: Site, make_user: MakeUser,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    page = await agent_page(browser, console, make_user)
    caplog.set_level(logging.INFO)
    redis = Redis.from_url(console.settings.redis_url or "")
    stop = asyncio.Event()

    async def publish() -> None:  # events keep coming while the screen reloads
        n = 0
        while not stop.is_set():
            n += 1
            publish_call_event(redis, CallEvent(kind="answered", call_id=9000 + n % 5, channel="sip", line="12319", caller=CALLER, language="zh"))
            await asyncio.sleep(0.005)

    publisher = asyncio.create_task(publish())
    try:
        for _ in range(6):
            await expect(page.locator("#feed")).to_have_attribute("data-state", re.compile("live|call"))
            await page.reload()
        await expect(page.locator("#call-caller")).to_have_text(CALLER)
        await page.context.close()
    finally:
        stop.set()
        await publisher
        redis.close()
    alarming = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert alarming == [], [(r.name, r.getMessage()) for r in alarming]


async def test_a_screen_that_leaves_while_connecting_leaves_no_alarming_log(console: Site, make_user: MakeUser,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    async with signed_in_http(console, *(await make_user("agent"))) as (http, _):
        cookie = "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)
    host, port = console.url.removeprefix("http://").split(":")
    for _ in range(20):  # the request to open the feed, and the screen gone (a reload) before the answer
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write((f"GET /console/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n").encode())
        await writer.drain()
        writer.transport.abort()
    async with signed_in_http(console, *(await make_user("agent"))) as (http, _):
        async with http.ws_connect("/console/ws") as ws:
            await ring(console, CALLER, 9200, kind="ringing")
            assert (await ws.receive_json())["call_id"] == 9200
    alarming = [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert alarming == [], [(r.name, r.getMessage()) for r in alarming]
