"""The form's live parts in a real browser: photo GPS, typed address, geolocation, the duplicate hint and joining."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Browser, expect

from tests.location.test_exif import exif_with, picture
from tests.web.conftest import Site, count_cases, open_page, screenshots, serious_violations
from tests.web.test_report_flow import case_number_of

PLACE = (31.3126, 120.6104)


async def test_photo_gps_places_the_report_and_is_stripped(browser: Browser, site: Site, tmp_path: Path) -> None:
    photo = tmp_path / "cover.jpg"
    photo.write_bytes(picture("JPEG", exif_with(*PLACE)))
    page = await open_page(browser, site, locale="zh-CN")
    await page.goto("/")
    await page.get_by_label("问题描述").fill("这里的污水井盖坏了")
    await page.get_by_label("照片（可选，最多 4 张）").set_input_files(str(photo))
    await page.get_by_role("button", name="提交").click()
    number = await case_number_of(page)
    case = await site.store.case(int(number[8:]))
    assert case is not None and case.lat == pytest.approx(PLACE[0], abs=0.002) and case.lon == pytest.approx(PLACE[1], abs=0.002)
    async with site.store.transaction() as tx:
        (item,) = await tx.media_of_case(case.id)
    assert item["url"].startswith(site.url + "/media/") and item["content_type"] == "image/jpeg"
    served = await page.request.get(item["url"])
    assert served.ok and not Image.open(io.BytesIO(await served.body())).getexif(), "EXIF stripped before storing"


async def test_a_file_that_is_no_image_is_refused_next_to_the_photo_field(browser: Browser, site: Site, tmp_path: Path) -> None:
    fake = tmp_path / "notes.jpg"
    fake.write_bytes(b"this is not a picture at all")
    page = await open_page(browser, site, locale="en")
    await page.goto("/")
    await page.get_by_label("What is the problem?").fill("Broken street lamp")
    await page.get_by_label("Photos (optional, up to 4)").set_input_files(str(fake))
    await page.get_by_role("button", name="Send report").click()
    await expect(page.locator("#photos-error")).to_have_text("Photo notes.jpg: Only JPEG, PNG or WebP images are accepted.")
    assert not site.settings.media_dir.exists() or not any(site.settings.media_dir.iterdir())
    assert await count_cases(site) == 0


async def test_typed_address_with_suggestions_places_the_report(browser: Browser, site: Site, out: Path) -> None:
    page = await open_page(browser, site, locale="zh-CN")
    await page.goto("/")
    await page.get_by_label("问题描述").fill("垃圾桶满了，没人清理")
    await page.get_by_label("地址或附近地标").fill("人民路")
    await expect(page.locator("#address-suggestions option").first).to_have_attribute("value", "人民路")
    await page.get_by_label("地址或附近地标").fill("人民路和解放路路口")
    await screenshots(page, out, "form-address-zh")
    await page.get_by_role("button", name="提交").click()
    case = await site.store.case(int((await case_number_of(page))[8:]))
    assert case is not None and case.address == "人民路和解放路路口"
    assert case.lat == pytest.approx(PLACE[0], abs=0.002) and case.lon == pytest.approx(PLACE[1], abs=0.002)


async def test_browser_geolocation_places_the_report(browser: Browser, site: Site) -> None:
    page = await open_page(browser, site, locale="en-US", geolocation={"latitude": PLACE[0], "longitude": PLACE[1]}, permissions=["geolocation"])
    await page.goto("/")
    await page.get_by_label("What is the problem?").fill("Street vendors blocking the pavement")
    await page.get_by_role("button", name="Use my location").click()
    await expect(page.locator("#location-status")).to_have_text("Your location is used: Renmin Road & Jiefang Road junction.")
    await page.get_by_role("button", name="Send report").click()
    case = await site.store.case(int((await case_number_of(page))[8:]))
    assert case is not None and case.lat == pytest.approx(PLACE[0], abs=1e-5) and case.lon == pytest.approx(PLACE[1], abs=1e-5)


async def test_duplicate_hint_lets_the_citizen_join_the_open_case(browser: Browser, site: Site, out: Path) -> None:
    first = await open_page(browser, site, locale="zh-CN", javascript=False)
    await first.goto("/")
    await first.get_by_label("问题描述").fill("解放路和中山路交叉口的垃圾桶满了溢出来了")
    await first.get_by_role("button", name="提交").click()
    existing = await case_number_of(first)
    page = await open_page(browser, site, locale="zh-CN")
    await page.goto("/")
    await page.get_by_label("问题描述").fill("中山路解放路路口垃圾箱满了没人清理")
    await page.get_by_label("地址或附近地标").fill("解放路和中山路交叉口")
    hint = page.locator("#duplicate")
    await expect(hint).to_be_visible()
    await expect(page.locator("#duplicate-message")).to_contain_text("已有相同问题被上报 1 次")
    assert await serious_violations(page) == []
    await screenshots(page, out, "form-duplicate-zh")
    await page.get_by_label("把我的上报加入该案件").check()
    await page.get_by_role("button", name="提交").click()
    assert await case_number_of(page) == existing
    await expect(page.locator("#joined")).to_contain_text("共被上报 2 次")
    case = await site.store.case(int(existing[8:]))
    assert case is not None and case.reports_count == 2
