"""A citizen's choice to add their report to an open case nearby: honoured directly, ignored for a case far away."""
from __future__ import annotations

from aiohttp import ClientSession
from yarl import URL

from tests.web.conftest import Site, form, received, token

JUNCTION = "解放路和中山路交叉口"


async def report(http: ClientSession, csrf: str, **fields: str) -> tuple[str, bool]:
    """Post the form; the case number it was filed under and whether it joined a case."""
    async with http.post("/report", data=form(csrf, **fields), allow_redirects=False) as resp:
        assert resp.status == 303, await resp.text()
        location = resp.headers["Location"]
    return received(location)[0], URL(location).query.get("joined") == "1"


async def test_a_report_the_pipeline_kept_apart_joins_the_case_the_citizen_chose(site: Site, http: ClientSession) -> None:
    csrf = await token(http)
    existing, _ = await report(http, csrf, text="垃圾桶满了溢出来了", address=JUNCTION)
    number, joined = await report(http, csrf, text="路口的路灯整晚不亮", address=JUNCTION, join=existing)
    assert (number, joined) == (existing, True)
    case = await site.store.case(int(existing[8:]))
    assert case is not None and case.reports_count == 2
    joined_audit = [a.detail for a in await site.store.audit_of("case", case.id) if a.action == "report_joined"]
    assert [d["reasons"] for d in joined_audit] == [["chosen_by_reporter"]], "joined at intake: no second case, no merge"
    assert await site.store.case(case.id + 1) is None


async def test_a_choice_of_a_case_far_away_is_ignored(site: Site, http: ClientSession) -> None:
    csrf = await token(http)
    far, _ = await report(http, csrf, text="垃圾桶满了溢出来了", lat="31.2000", lon="120.5000")
    number, joined = await report(http, csrf, text="垃圾桶满了溢出来了", address=JUNCTION, join=far)
    assert number != far and not joined
    case = await site.store.case(int(far[8:]))
    assert case is not None and case.reports_count == 1
