"""Keys reach the worker through the proxy: SIP INFO (sipp, along the recorded route) and RFC 2833 telephone events (baresip)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import redis

from gateway.calls import CALL_EVENTS, CallEvent
from gateway.store.engine import create_engine
from gateway.store.models import CallRow
from gateway.store.store import Store
from tests.conftest import eventually
from tests.hotline.dispatch.callers import HOST, Baresip, finished, sipp
from tests.hotline.dispatch.site import Site


async def call_on_line(store: Store, line: str) -> CallRow:
    async def ended() -> CallRow | None:
        return next((row for row in await store.calls(limit=20) if row.line == line and row.ended_at is not None), None)

    return await eventually(ended, timeout=60)


async def test_status_lookup_keyed_by_sip_info_and_by_rfc2833_through_the_proxy(site: Site, tmp_path: Path) -> None:
    store = Store(create_engine(site.database_url))
    listener = redis.Redis.from_url(site.redis_url).pubsub()
    listener.subscribe(CALL_EVENTS)
    try:
        # 9 during the greeting asks for a case's status; the number ends with #
        info = sipp("uac_dtmf_info.xml", site.proxy_port, line="12319", calls=1, hold_ms=1500, local_port=site.spare_port(),
                    work=tmp_path / "info", variables={"digits": "94242#", "linger": "1500"})
        first = site.spare_port()
        phone = Baresip(tmp_path / "baresip", sip_port=first, console_port=first + 2, rtp_ports=(first + 4, first + 7))
        with phone.running():
            phone.command(f"/dial sip:12319-en@{HOST}:{site.proxy_port}")
            phone.wait_for("Call established")
            # the greeting's audio arriving means the worker listens for keys
            phone.wait_for("incoming rtp for 'audio' established")
            await asyncio.to_thread(phone.keys, "91717#")
            await eventually(lambda: _looked_up(listener, "12319-en"), timeout=30)
            phone.command("/hangup")
            phone.wait_for("terminated")

        code, errors = finished(info, tmp_path / "info")
        assert code == 0, errors
        by_info = await call_on_line(store, "12319")
        by_rfc2833 = await call_on_line(store, "12319-en")
    finally:
        listener.close()
        await store.close()

    assert by_info.outcome == by_rfc2833.outcome == "status"
    assert by_info.detail["dtmf"] == ["sip_info"] and by_info.language == "zh"
    assert [lookup["typed"] for lookup in by_info.detail["lookups"]] == ["4242"]
    assert by_rfc2833.detail["dtmf"] == ["rfc2833"] and by_rfc2833.language == "en"
    assert [lookup["typed"] for lookup in by_rfc2833.detail["lookups"]] == ["1717"]


def _looked_up(listener: redis.client.PubSub, line: str) -> bool:
    """Whether the worker announced a status lookup on a call to `line`."""
    while (message := listener.get_message(timeout=0.2)) is not None:
        if message["type"] == "message":
            event = CallEvent.model_validate_json(message["data"])
            if event.kind == "status_lookup" and event.line == line:
                return True
    return False
