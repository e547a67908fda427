"""回访 only by the reporter: the key of their link proves it; without it, or a second time, nothing is stored."""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import ClientSession, CookieJar

from channels.web.reporter import keyed_report, link_secret, report_key, reporter_link
from tests.web.conftest import Site, form, received, token

PROGRESS = ("accepted", "filed", "dispatched", "disposed", "closed")


@pytest.fixture
async def http(any_site: Site) -> AsyncIterator[ClientSession]:
    async with ClientSession(base_url=any_site.url, headers={"Accept-Language": "en"}, cookie_jar=CookieJar(unsafe=True)) as session:
        yield session


async def closed_case(site: Site, http: ClientSession, csrf: str, text: str) -> tuple[str, str]:
    """A report through the form, its case taken to 结案 by the platform: the case number and the reporter's key."""
    async with http.post("/report", data=form(csrf, text=text), allow_redirects=False) as resp:
        assert resp.status == 303
        number, key = received(resp.headers["Location"])
    assert key is not None
    for status in PROGRESS:
        await site.callback(number, status)
    return number, key


async def answers(site: Site, number: str) -> dict[str, int]:
    async with site.store.transaction() as tx:
        return await tx.feedback_counts(int(number[8:]))


async def test_only_the_reporters_key_opens_the_answer_and_one_answer_is_kept(any_site: Site, http: ClientSession) -> None:
    site = any_site
    csrf = await token(http)
    number, key = await closed_case(site, http, csrf, "人民路和解放路路口的污水井盖不见了")
    other, other_key = await closed_case(site, http, csrf, "解放路和中山路交叉口的路灯整晚不亮")

    async with http.get(f"/cases/{number}") as resp:
        page = await resp.text()
    assert 'name="answer"' not in page and "Only the person who reported this can answer" in page
    async with http.get(f"/received/{number}", params={"key": key}) as resp:
        link = re.search(r'id="reporter-link" href="([^"]+)"', await resp.text())
    assert link and link.group(1) == f"/cases/{number}?key={key}"
    async with http.get(link.group(1)) as resp:
        assert 'name="answer" value="satisfied"' in await resp.text()

    refused = {"no key": None, "forged": key[:-4] + "0000", "another report's key": other_key, "garbage": "x.y"}
    for why, wrong in refused.items():
        data = {"answer": "dissatisfied", "csrf": csrf} | ({"key": wrong} if wrong else {})
        async with http.post(f"/cases/{number}/feedback", data=data, allow_redirects=False) as resp:
            assert resp.status == 403, why
            assert "We could not confirm that you reported this" in await resp.text(), why
    assert await answers(site, number) == {}

    async with http.post(f"/cases/{number}/feedback", data={"answer": "satisfied", "csrf": csrf, "key": key}, allow_redirects=False) as resp:
        assert resp.status == 303 and resp.headers["Location"] == f"/cases/{number}?key={key}"
    async with http.get(f"/cases/{number}", params={"key": key}) as resp:
        page = await resp.text()
    assert "Your answer was recorded: Satisfied" in page and 'name="answer"' not in page
    async with http.post(f"/cases/{number}/feedback", data={"answer": "dissatisfied", "csrf": csrf, "key": key}, headers={"Accept-Language": "zh-CN"}) as resp:
        assert resp.status == 409 and "您已评价过，每次上报只能评价一次。" in await resp.text()
    assert await answers(site, number) == {"satisfied": 1}
    assert await answers(site, other) == {}

    async def click(answer: str) -> int:
        data = {"answer": answer, "csrf": csrf, "key": other_key}
        async with http.post(f"/cases/{other}/feedback", data=data, allow_redirects=False) as resp:
            return resp.status

    statuses = await asyncio.gather(*(click(a) for a in ("dissatisfied", "satisfied", "basically_satisfied")))
    assert sorted(statuses) == [303, 409, 409], "clicks at the same moment: one answer stored"
    assert sum((await answers(site, other)).values()) == 1
    audit = [a for a in await site.store.audit_of("case", int(number[8:])) if a.action == "feedback"]
    assert [(a.actor, (a.detail or {})["answer"]) for a in audit] == [(f"web:report:{key.split('.')[0]}", "satisfied")]


async def test_the_link_secret_is_made_once_and_shared_by_every_transaction(any_site: Site) -> None:
    async with any_site.store.transaction() as tx:
        first = await link_secret(tx)
    async with any_site.store.transaction() as tx:
        assert await link_secret(tx) == first
        link = await reporter_link(tx, any_site.settings, 42, "20261123000042")
    assert len(first) >= 40
    assert link.startswith(f"{any_site.url}/cases/20261123000042?key=42.")
    assert keyed_report(first, link.split("key=", 1)[1]) == 42
    assert keyed_report(first, report_key(first, 43)) == 43
    assert keyed_report(first, report_key("another secret of the same length, not ours", 42)) is None
    assert keyed_report(first, "42") is None and keyed_report(first, "") is None
