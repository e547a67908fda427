"""The active model's evaluation as the classifier wrote it, with its confusion chart; open cases on a heat map when
map tiles are configured."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser

from channels.web.console.admin.rulesets import active_report, confusion_matrix
from gateway.rules import model_dir
from tests.console.admin.conftest import LAMP, admin_page, report
from tests.console.conftest import MakeUser
from tests.web.conftest import Site, screenshots, serious_violations


@pytest.fixture
def console_settings_update(tmp_path: Path) -> dict[str, object]:
    return {"media_dir": tmp_path / "media", "tile_url": "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"}


async def test_the_model_page_shows_the_active_evaluation(browser: Browser, console: Site, make_user: MakeUser) -> None:
    version, written = active_report(model_dir(console.settings))
    assert written is not None and written["test"], "the trained model carries its evaluation"
    test = written["test"]
    page = await admin_page(browser, console, make_user, "/console/admin/model", locale="en-GB", language="en")
    assert version in await page.inner_text("#model-version")
    figures = await page.inner_text("#model-figures")
    assert str(test["examples"]) in figures and f"{test['accuracy_minor'] * 100:.1f}%" in figures
    for name, figures_of_set in written["test_sets"].items():
        assert await page.locator(f"#set-{name}").count() == 1
        for key in ("accuracy_family", "top3", "coverage", "accuracy_accepted_major"):
            assert f"{figures_of_set[key] * 100:.1f}%" in figures, (name, key)
    threshold = await page.inner_text("#model-threshold")
    assert str(written["threshold"]["chosen"]) in threshold and "Letters" in threshold
    kinds = written["threshold"]["kinds"]
    english = await page.inner_text("#model-threshold-en-letter")
    assert str(kinds["en-letter"]["chosen"]) in english and "Letters written in English" in english
    notes = await page.inner_text("#model-threshold-zh-note")
    assert str(kinds["zh-note"]["chosen"]) in notes and "Short notes (hotline, SMS)" in notes
    labels, counts = confusion_matrix(test)
    assert await page.locator("#confusion-matrix tbody tr").count() == len(labels)
    assert await page.locator("#confusion-chart").evaluate("c => window.Chart.getChart(c).data.datasets[0].data") == [c["count"] for c in test["confusions"][:15]]
    assert sum(map(sum, counts)) == sum(c["count"] for c in test["confusions"][:15])
    await page.context.close()


async def test_open_cases_are_on_a_heat_map_when_tiles_are_configured(browser: Browser, console: Site, make_user: MakeUser, key: str, out: Path) -> None:
    await report(console, key, **LAMP)
    page = await admin_page(browser, console, make_user)
    await page.wait_for_selector("#heatmap canvas.leaflet-heatmap-layer", state="attached")
    assert await page.locator("#no-map").count() == 0
    assert await serious_violations(page) == []
    await screenshots(page, out, "dashboard-map")
    await page.context.close()
