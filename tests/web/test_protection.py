"""Protections of the public form over plain HTTP: CSRF, honeypot, rate limits, size limit, security headers."""
from __future__ import annotations

from typing import Any

import pytest
from aiohttp import ClientSession
from yarl import URL

from channels.web.protect import CSP
from tests.web.conftest import Site, count_cases, form, post, received, token

FORM_LIMIT = 100_000
HINTS = 3


@pytest.fixture
def web_limits() -> dict[str, Any]:
    return {"reports_per_ip_per_hour": 3, "reports_per_contact_per_hour": 1, "max_form_bytes": FORM_LIMIT, "hints_per_ip_per_hour": HINTS}


async def test_pages_carry_a_content_security_policy_allowing_only_self(http: ClientSession) -> None:
    async with http.get("/") as resp:
        policy = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    async with http.post("/hints/class", json={"text": "井盖"}) as resp:
        assert resp.headers["Content-Security-Policy"] == policy


async def test_a_post_without_the_csrf_token_is_refused_and_stores_nothing(site: Site, http: ClientSession) -> None:
    await token(http)
    assert http.cookie_jar.filter_cookies(URL(site.url)).get("web_csrf") is not None
    status, page = await post(http, form(None, text="路灯坏了"))
    assert status == 403 and "The page has expired" in page
    status, _ = await post(http, form("forged-token", text="路灯坏了"))
    assert status == 403
    assert await count_cases(site) == 0


async def test_the_honeypot_field_stops_a_bot(site: Site, http: ClientSession) -> None:
    status, _ = await post(http, form(await token(http), text="路灯坏了", website="http://spam.example"))
    assert status == 403 and await count_cases(site) == 0


async def test_reports_per_address_and_per_contact_are_limited(site: Site, http: ClientSession) -> None:
    csrf = await token(http)
    status, _ = await post(http, form(csrf, text="路灯坏了", phone="13800138000"))
    assert status == 303
    status, page = await post(http, form(csrf, text="路灯又坏了", phone="138 0013 8000"))
    assert status == 429 and "Too many reports with this contact" in page
    status, _ = await post(http, form(csrf, text="垃圾没人清理"))
    assert status == 303, "the third post from this address is within its limit of 3"
    status, page = await post(http, form(csrf, text="垃圾还是没人清理"))
    assert status == 429 and "Too many reports from your connection" in page
    assert await count_cases(site) == 2


async def test_a_form_over_the_size_limit_is_refused(site: Site, http: ClientSession) -> None:
    status, page = await post(http, form(await token(http), text="井盖" * FORM_LIMIT))
    assert status == 413 and "The form is too large." in page
    assert await count_cases(site) == 0


async def test_satisfaction_needs_the_token_and_a_closed_case(site: Site, http: ClientSession) -> None:
    csrf = await token(http)
    async with http.post("/report", data=form(csrf, text="人民路和解放路路口的污水井盖不见了"), allow_redirects=False) as resp:
        number, key = received(resp.headers["Location"])
    async with http.post(f"/cases/{number}/feedback", data={"answer": "satisfied", "key": key}) as resp:
        assert resp.status == 403
    async with http.post(f"/cases/{number}/feedback", data={"answer": "satisfied", "csrf": csrf, "key": key}) as resp:
        assert resp.status == 409 and "feedback opens once it is closed" in await resp.text()
    async with site.store.transaction() as tx:
        assert await tx.feedback_counts(int(number[8:])) == {}


async def test_hints_are_limited_per_address_and_the_form_still_works(site: Site, http: ClientSession) -> None:
    asked = [("/hints/class", {"text": "井盖不见了"}), ("/hints/address", {"q": "解放"}), ("/hints/nearby", {"text": "井盖", "address": "解放路"})]
    def ask(path: str, params: dict[str, str], **query: str) -> Any:
        return http.get(path, params=params | query) if path == "/hints/address" else http.post(path, json=params, params=query or None)

    for path, params in asked:
        async with ask(path, params) as resp:
            assert resp.status == 200, path
    for path, params in asked:
        async with ask(path, params) as resp:
            assert resp.status == 429 and (await resp.json())["error"].startswith("Too many hint requests from your connection"), path
            assert resp.headers["Content-Security-Policy"] == CSP
    async with ask("/hints/class", {"text": "井盖"}, lang="zh") as resp:
        assert resp.status == 429 and (await resp.json())["error"] == "提示请求过于频繁，请稍后再试；表单仍可直接提交。"
    status, _ = await post(http, form(await token(http), text="人民路和解放路路口的污水井盖不见了"))
    assert status == 303 and await count_cases(site) == 1
