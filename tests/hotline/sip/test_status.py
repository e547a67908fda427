"""Case status by keypad: 9 during the greeting (here as in-band tones), the case number, the status read back."""
from __future__ import annotations

from typing import Any

from gateway.delivery.payload import case_number
from gateway.store.clock import utcnow
from gateway.domain import Channel, ContactIn, ReportIn
from gateway.intake.reporters import reporter_key
from gateway.store.models import CaseRow, ReportRow
from tests.conftest import eventually
from tests.hotline.sip.conftest import CALLER, ZH_HZ
from tests.hotline.sip.test_voicemail import _ended


async def _dispatched_case(store: Any) -> tuple[str, int]:
    """A case the caller reported from their phone earlier (without asking for updates then); its number and report id."""
    contact = ContactIn(phone=CALLER)
    async with store.transaction() as tx:
        now = utcnow()
        case = await tx.add(CaseRow(created_at=now, updated_at=now, status="dispatched", class_id="cp-0102", text="井盖丢失",
                                    language="zh", source_channel="hotline", case_source="12319热线"))
        report = await tx.add(ReportRow(received_at=now, channel="hotline", language="zh", text="井盖丢失", contact=contact.model_dump(),
                                        reporter_key=reporter_key(ReportIn(text="-", channel=Channel.HOTLINE, contact=contact)),
                                        consent_updates=False, media=[], case_id=case.id))
    return case_number(case.id, case.created_at), report.id


async def test_status_by_keypad_reads_a_real_case_and_takes_sms_consent(sip_worker: Any, store_of: Any, sqlite_url: str,
                                                                       call_event_log: Any) -> None:
    store = store_of(sqlite_url)
    number, report_id = await _dispatched_case(store)
    worker = sip_worker(sqlite_url)
    worker.start()
    caller = worker.phone("call", "media", "hearing", str(ZH_HZ), "dtmf", "9", "inband", "quiet", "1",
                          "dtmf", number + "#", "rfc2833", "heard", str(ZH_HZ), "dtmf", "1", "info", "end",
                          name="caller", target=worker.uri(), user=CALLER)
    caller.wait()
    assert caller.process.returncode == 0, caller.log.read_text()

    [row] = await store.calls()
    call = await eventually(lambda: _ended(store, row.id))
    assert call.outcome == "status"
    assert (call.detail["consent_updates_case"], call.detail["consenting_reports"]) == (number, 1)
    async with store.transaction() as tx:
        assert (await tx.session.get(ReportRow, report_id)).consent_updates is True
    assert call.detail["lookups"] == [{"typed": number, "case": number}]
    assert set(call.detail["dtmf"]) == {"inband", "rfc2833", "sip_info"}
    [lookup] = [e for e in call_event_log.events if e.kind == "status_lookup"]
    assert (lookup.call_id, lookup.caller, lookup.detail["case"], lookup.detail["status"]) == (call.id, CALLER, number, "dispatched")
    assert await store.voicemails() == []


async def test_unknown_case_number_is_said_so_and_asked_again(sip_worker: Any, store_of: Any, sqlite_url: str, call_event_log: Any) -> None:
    store = store_of(sqlite_url)
    worker = sip_worker(sqlite_url)
    worker.start()
    caller = worker.phone("call", "media", "hearing", str(ZH_HZ), "dtmf", "9", "rfc2833", "quiet", "1",
                          "dtmf", "999999#", "rfc2833", "heard", str(ZH_HZ), "hangup", "end",
                          name="caller", target=worker.uri(), user=CALLER)
    caller.wait()
    assert caller.process.returncode == 0, caller.log.read_text()

    [row] = await store.calls()
    call = await eventually(lambda: _ended(store, row.id))
    assert call.detail["lookups"] == [{"typed": "999999", "case": None}]
    assert "consent_updates_case" not in call.detail
    [lookup] = [e for e in call_event_log.events if e.kind == "status_lookup"]
    assert (lookup.detail["case"], lookup.detail["status"]) == (None, None)
