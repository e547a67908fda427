"""Keys reach the worker through the proxy, however they are sent: SIP INFO (sipp, along the recorded route),
RFC 2833 telephone events (baresip) and tones in the audio (baresip sending a WAV of DTMF tones)."""
from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

import redis

from gateway.calls import CALL_EVENTS, CallEvent
from gateway.store.engine import create_engine
from gateway.store.store import Store
from tests.conftest import eventually
from tests.hotline.dispatch.callers import HOST, Baresip, audio, finished, sipp
from tests.hotline.dispatch.records import calls_where, ended
from tests.hotline.dispatch.site import Site


def phone(site: Site, work: Path, user: str, source: Path | None = None) -> Baresip:
    first = site.spare_port()
    return Baresip(work, sip_port=first, console_port=first + 2, rtp_ports=(first + 4, first + 7), user=user, source=source)


async def test_status_lookup_keyed_by_sip_info_rfc2833_and_inband_tones_through_the_proxy(site: Site, tmp_path: Path) -> None:
    store = Store(create_engine(site.database_url))
    listener = redis.Redis.from_url(site.redis_url).pubsub()
    listener.subscribe(CALL_EVENTS)
    looked_up: dict[str, str] = {}

    def lookups() -> bool:
        """Which caller typed which number, as the workers announce it."""
        while (message := listener.get_message(timeout=0.2)) is not None:
            if message["type"] == "message" and (event := CallEvent.model_validate_json(message["data"])).kind == "status_lookup":
                looked_up[event.caller or ""] = event.detail["typed"]
        return {"caller1", "keys", "tones"} <= set(looked_up)

    try:
        # 9 during the greeting asks for a case's status; the number ends with #
        info = sipp("uac_dtmf_info.xml", site.proxy_port, line="12319", calls=1, hold_ms=1500, local_port=site.spare_port(),
                    work=tmp_path / "info", variables={"digits": "94242#", "linger": "1500"})
        keys = phone(site, tmp_path / "keys", "keys")
        tones = phone(site, tmp_path / "tones", "tones", source=audio(tmp_path / "tones.wav", keys="95858#", lead=1.5))
        with ExitStack() as running:
            for caller in (keys, tones):
                running.enter_context(caller.running())
            tones.command(f"/dial sip:12319@{HOST}:{site.proxy_port}")
            keys.command(f"/dial sip:12319-en@{HOST}:{site.proxy_port}")
            # the greeting's audio arriving means the worker listens for keys
            keys.wait_for("incoming rtp for 'audio' established")
            await asyncio.to_thread(keys.keys, "91717#")
            try:
                await eventually(lookups, timeout=30)
            except AssertionError as exc:
                raise AssertionError(f"status lookups heard by caller: {looked_up}") from exc
            for caller in (keys, tones):
                caller.command("/hangup")
                caller.wait_for("terminated")

        code, errors = finished(info, tmp_path / "info")
        assert code == 0, errors
        by = {row.caller: row for row in await calls_where(store, ended, 3)}
    finally:
        listener.close()
        await store.close()

    assert looked_up == {"caller1": "4242", "keys": "1717", "tones": "5858"}
    assert {caller: (row.line, row.language, row.outcome) for caller, row in by.items()} == {
        "caller1": ("12319", "zh", "status"), "keys": ("12319-en", "en", "status"), "tones": ("12319", "zh", "status")}
    assert {caller: row.detail["dtmf"] for caller, row in by.items()} == {"caller1": ["sip_info"], "keys": ["rfc2833"], "tones": ["inband"]}
    assert {caller: [lookup["typed"] for lookup in row.detail["lookups"]] for caller, row in by.items()} == {
        "caller1": ["4242"], "keys": ["1717"], "tones": ["5858"]}
