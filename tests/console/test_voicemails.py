"""The voicemail queue: the recording plays for signed-in agents only, is written down, made a report and handled."""
from __future__ import annotations

import io
import math
import re
import struct
import wave
from pathlib import Path

from aiohttp import ClientSession
from playwright.async_api import Browser, expect

from gateway.media import MediaStore
from gateway.delivery.payload import case_number
from gateway.store.models import ReportRow, VoicemailRow
from tests.console.conftest import MakeUser, agent_page
from tests.web.conftest import Site, count_cases, screenshots, serious_violations

CALLER = "+8613900002222"


def tone_wav(seconds: float = 0.6, rate: int = 8000) -> bytes:
    """A real mono 16-bit PCM WAV: a 440 Hz tone."""
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate))) for i in range(int(seconds * rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


async def left_message(site: Site, caller: str | None = CALLER, seconds: float = 0.6) -> VoicemailRow:
    stored = MediaStore(site.settings.media_dir).save_recording(tone_wav(seconds), "audio/wav")
    return await site.store.add_voicemail(call_id=None, caller=caller, line="12319", language="zh", recording=stored.name,
                                          duration_s=seconds, consent_updates=True)


async def test_a_voicemail_is_played_written_down_reported_and_handled(browser: Browser, console: Site, make_user: MakeUser, out: Path) -> None:
    voicemail = await left_message(console)
    silent = await left_message(console, caller=None, seconds=0.3)
    page = await agent_page(browser, console, make_user)
    await page.goto("/console/voicemails")
    article = page.locator(f"#vm-{voicemail.id}")
    await expect(article).to_contain_text(CALLER)
    audio = article.locator("audio")
    await page.wait_for_function("el => el.readyState >= 1 && Math.abs(el.duration - 0.6) < 0.05", arg=await audio.element_handle())
    assert await serious_violations(page) == []
    await screenshots(page, out, "voicemails")

    before = await count_cases(console)
    await article.locator("button[value=report]").click()
    await expect(page.locator(f"#vm-{voicemail.id}-error")).to_have_text("请先写下留言内容。")
    assert await count_cases(console) == before

    await page.fill(f"#vm-{voicemail.id}-transcript", "解放路和中山路交叉口的路灯坏了，晚上一片漆黑")
    await page.locator(f"#vm-{voicemail.id} button[value=report]").click()
    await expect(page.locator("#notice")).to_contain_text("已生成上报，案件编号")
    number = re.search(r"案件编号 (\d+)", await page.text_content("#notice") or "")
    assert number
    await expect(page.locator(f"#vm-{voicemail.id}")).to_have_count(0)

    handled = await console.store.voicemail(voicemail.id)
    assert handled is not None and handled.status == "handled" and handled.report_id is not None
    assert handled.transcript == "解放路和中山路交叉口的路灯坏了，晚上一片漆黑"
    async with console.store.transaction() as tx:
        report = await tx.session.get(ReportRow, handled.report_id)
    assert report is not None and report.case_id is not None
    case = await console.store.case(report.case_id)
    assert case is not None and case_number(case.id, case.created_at) == number.group(1)
    assert report.channel == "hotline" and report.contact is not None and report.contact["phone"] == CALLER and report.consent_updates
    assert report.media == [{"url": f"{console.settings.public_base_url}/console/recordings/{voicemail.recording}", "content_type": "audio/wav"}]

    await page.locator(f"#vm-{silent.id} button[value=handled]").click()
    await expect(page.locator("#vm-empty")).to_be_visible()
    assert (await console.store.voicemail(silent.id)).status == "handled"  # type: ignore[union-attr]
    await page.goto("/console/voicemails?status=handled")
    await expect(page.locator(f"#vm-{voicemail.id}")).to_contain_text("解放路和中山路交叉口的路灯坏了")


async def test_recordings_are_served_only_to_signed_in_users(console: Site) -> None:
    voicemail = await left_message(console)
    async with ClientSession(console.url) as http:
        async with http.get(f"/console/recordings/{voicemail.recording}", headers={"Accept": "application/json"}) as resp:
            assert resp.status == 401
        async with http.get(f"/media/{voicemail.recording}") as resp:
            assert resp.status == 403, "on the public path only with a signed link (as platforms get it)"
