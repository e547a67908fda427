"""Registration with a trunk: digest auth, re-registration before expiry, failover to the second registrar."""
from __future__ import annotations

from typing import Any

from tests.conftest import eventually
from tests.hotline.sip.conftest import CALLER, ZH_HZ
from tests.hotline.sip.registrar import REALM, start_registrar


async def test_failing_registrar_moves_to_the_fallback_which_checks_digest_and_is_refreshed(sip_worker: Any, sqlite_url: str) -> None:
    worker = sip_worker(sqlite_url)
    primary_port, fallback_port = worker.peer_port(), worker.peer_port()
    primary_transport, primary = await start_registrar(primary_port, username="gw12319", password="s3cret-pass", failing=True)
    fallback_transport, fallback = await start_registrar(fallback_port, username="gw12319", password="s3cret-pass", expires=7)
    try:
        worker.sip.update(registrar=f"sip:127.0.0.1:{primary_port}", registrar_fallback=f"sip:127.0.0.1:{fallback_port}",
                          username="gw12319", password="s3cret-pass", realm=REALM, register_seconds=60)
        worker.start()
        await eventually(lambda: len(fallback.accepted) >= 2, timeout=40)
        assert primary.seen >= 1 and fallback.refused == 0
        assert all(a["username"] == "gw12319" and f":{worker.port}" in a["contact"] for a in fallback.accepted)

        caller = worker.phone("call", "media", "hearing", str(ZH_HZ), "hangup", "end", name="caller", target=worker.uri(), user=CALLER)
        caller.wait()
        assert any(e.get("event") == "hearing" for e in caller.events()), caller.log.read_text()
    finally:
        primary_transport.close()
        fallback_transport.close()


async def test_wrong_password_is_refused_and_said_in_the_log(sip_worker: Any, sqlite_url: str) -> None:
    worker = sip_worker(sqlite_url)
    port = worker.peer_port()
    transport, registrar = await start_registrar(port, username="gw12319", password="right-password")
    try:
        worker.sip.update(registrar=f"sip:127.0.0.1:{port}", username="gw12319", password="wrong-password", realm=REALM)
        worker.start()
        await eventually(lambda: registrar.refused >= 1)
        await eventually(lambda: b"403" in worker.log.read_bytes())
        assert registrar.accepted == []
    finally:
        transport.close()
