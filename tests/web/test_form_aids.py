"""What the form does for a citizen: a point from the device in words, English place names, a counter before the
length limit, a phone number that is none refused, chosen photos kept when the form comes back with errors."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.location.test_exif import picture
from tests.web.conftest import DESKTOP, PHONE, Site, count_cases, open_page, screenshots, serious_violations
from tests.web.test_report_flow import case_number_of

JUNCTION = (31.3126, 120.6104)
ZH, EN = "zh-CN", "en-US"
LABELS = {ZH: {"text": "问题描述", "submit": "提交", "locate": "使用我的位置", "phone": "手机号码", "address": "地址或附近地标",
               "photos": "照片（可选，最多 4 张）"},
          EN: {"text": "What is the problem?", "submit": "Send report", "locate": "Use my location", "phone": "Phone number",
               "address": "Address or nearby landmark", "photos": "Photos (optional, up to 4)"}}


async def both_widths_clean(page: Page, out: Path, name: str) -> None:
    for size in (PHONE, DESKTOP):
        await page.set_viewport_size(size)
        assert await serious_violations(page) == []
    await screenshots(page, out, name)


@pytest.mark.parametrize(("locale", "said"), [(ZH, "已使用您的位置：人民路与解放路路口（城西街道幸福社区）。"),
                                              (EN, "Your location is used: Renmin Road & Jiefang Road junction.")])
async def test_a_point_from_the_device_is_shown_as_the_nearest_place_and_stays_a_point(
        browser: Browser, site: Site, out: Path, locale: str, said: str) -> None:
    page = await open_page(browser, site, locale=locale, geolocation={"latitude": JUNCTION[0], "longitude": JUNCTION[1]}, permissions=["geolocation"])
    await page.goto("/")
    labels = LABELS[locale]
    await page.get_by_label(labels["text"]).fill("路灯不亮了，晚上很黑")
    await page.get_by_role("button", name=labels["locate"]).click()
    await expect(page.locator("#location-status")).to_have_text(said)
    await both_widths_clean(page, out, f"form-gps-{locale}")
    await page.get_by_role("button", name=labels["submit"]).click()
    number = await case_number_of(page)
    case = await site.store.case(int(number[8:]))
    assert case is not None and case.address is None, "coordinates are no address"
    assert case.lat == pytest.approx(JUNCTION[0], abs=1e-5) and case.lon == pytest.approx(JUNCTION[1], abs=1e-5)
    await page.locator("#reporter-link").click()
    place = said.split("：" if locale == ZH else ": ", 1)[1].rstrip("。.")
    await expect(page.locator("#place")).to_have_text(place)
    assert await serious_violations(page) == []


@pytest.mark.parametrize(("text", "address"), [("Rubbish piled up at the Renmin Rd & Jiefang Rd junction", ""),
                                               ("Overflowing rubbish bins", "Renmin Rd & Jiefang Rd junction")])
async def test_english_place_names_locate_the_report(browser: Browser, site: Site, text: str, address: str) -> None:
    page = await open_page(browser, site, locale=EN)
    await page.goto("/")
    await page.get_by_label(LABELS[EN]["text"]).fill(text)
    await page.get_by_label(LABELS[EN]["address"]).fill(address)
    await page.get_by_role("button", name=LABELS[EN]["submit"]).click()
    case = await site.store.case(int((await case_number_of(page))[8:]))
    assert case is not None and case.lat == pytest.approx(JUNCTION[0], abs=0.001) and case.lon == pytest.approx(JUNCTION[1], abs=0.001)


@pytest.mark.parametrize(("locale", "shown"), [(ZH, "已输入 4600 / 5000 字"), (EN, "4600 of 5000 characters")])
async def test_a_counter_tells_how_much_of_the_limit_is_used(browser: Browser, site: Site, out: Path, locale: str, shown: str) -> None:
    page = await open_page(browser, site, locale=locale)
    await page.goto("/")
    counter = page.locator("#text-count")
    await expect(counter).to_have_attribute("aria-live", "off")
    await page.get_by_label(LABELS[locale]["text"]).fill("路" * 4600)
    await expect(counter).to_have_text(shown)
    await expect(counter).to_have_attribute("aria-live", "polite")
    await both_widths_clean(page, out, f"form-counter-{locale}")


async def test_the_counter_is_there_without_scripts(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, locale=ZH, javascript=False)
    await page.goto("/")
    await expect(page.locator("#text-count")).to_have_text("已输入 0 / 5000 字")


@pytest.mark.parametrize(("locale", "refusal"), [
    (ZH, "这不是可以拨打的电话号码，请填写手机号（如 13812345678）或带区号的座机号（如 0512-65123456）。"),
    (EN, "This is not a phone number that can be called: enter a mobile number (such as 13812345678) or a landline with its area code (such as 0512-65123456)."),
])
async def test_a_phone_number_that_is_none_is_refused_clearly(browser: Browser, site: Site, out: Path, locale: str, refusal: str) -> None:
    page = await open_page(browser, site, locale=locale)
    await page.goto("/")
    await page.get_by_label(LABELS[locale]["text"]).fill("小区门口垃圾桶满了")
    await page.get_by_label(LABELS[locale]["phone"]).fill("12345")
    await page.get_by_role("button", name=LABELS[locale]["submit"]).click()
    await expect(page.locator("#phone-error")).to_have_text(refusal)
    await expect(page.get_by_label(LABELS[locale]["phone"])).to_have_attribute("aria-invalid", "true")
    assert await count_cases(site) == 0
    await both_widths_clean(page, out, f"form-phone-{locale}")
    await page.get_by_label(LABELS[locale]["phone"]).fill("0512-65123456")
    await page.get_by_role("button", name=LABELS[locale]["submit"]).click()
    await case_number_of(page)


@pytest.mark.parametrize("locale", [ZH, EN])
async def test_chosen_photos_are_kept_when_the_form_comes_back_with_errors(browser: Browser, site: Site, tmp_path: Path, out: Path, locale: str) -> None:
    photo = tmp_path / "lamp.png"
    photo.write_bytes(picture("PNG"))
    page = await open_page(browser, site, locale=locale)
    await page.goto("/")
    labels = LABELS[locale]
    await page.get_by_label(labels["photos"]).set_input_files(str(photo))
    await page.get_by_role("button", name=labels["submit"]).click()  # no description: sent back
    await expect(page.locator("#text-error")).to_be_visible()
    await page.wait_for_function("() => document.getElementById('photos').files.length > 0")
    assert await page.get_by_label(labels["photos"]).evaluate("input => Array.from(input.files).map(f => f.name)") == ["lamp.png"]
    await both_widths_clean(page, out, f"form-photos-kept-{locale}")
    await page.get_by_label(labels["text"]).fill("路灯杆倒了")
    await page.get_by_role("button", name=labels["submit"]).click()
    case = await site.store.case(int((await case_number_of(page))[8:]))
    assert case is not None
    async with site.store.transaction() as tx:
        assert len(await tx.media_of_case(case.id)) == 1
    kept = await page.evaluate("""() => new Promise(done => { const r = indexedDB.open("report-photos", 1);
        r.onsuccess = () => { const g = r.result.transaction("files").objectStore("files").get("chosen");
                              g.onsuccess = () => { done(g.result === undefined); r.result.close(); }; }; })""")
    assert kept, "the kept copy is deleted once the report is received"
