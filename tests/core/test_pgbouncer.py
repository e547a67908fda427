"""The gateway on PostgreSQL behind PgBouncer in transaction mode (`?pgbouncer=transaction` in database_url)."""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.store.engine import create_engine
from tests.conftest import IN_CI, POSTGRES_ADMIN_URL, _truncate, free_port
from tests.core.conftest import make_settings, start_api
from tests.support.receiver import Receiver

pytestmark = pytest.mark.postgres


@pytest.fixture
def pgbouncer(tmp_path: Path) -> Iterator[int]:
    """A PgBouncer of the test's own in transaction mode, two server connections, in front of the test PostgreSQL."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        if IN_CI:
            pytest.fail("pgbouncer is required under CI (scripts/system-packages.sh installs it)")
        pytest.skip("pgbouncer not installed")
    server = POSTGRES_ADMIN_URL.rsplit("@", 1)[1].split("/", 1)[0]
    host, _, port = server.partition(":")
    user = POSTGRES_ADMIN_URL.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]
    listen = free_port()
    directory = tmp_path / "pgbouncer"
    directory.mkdir()
    (directory / "users.txt").write_text(f'"{user}" ""\n', encoding="utf-8")
    (directory / "pgbouncer.ini").write_text(
        f"[databases]\n* = host={host} port={port or 5432}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {listen}\n"
        f"unix_socket_dir =\nauth_type = trust\nauth_file = {directory / 'users.txt'}\npool_mode = transaction\n"
        "default_pool_size = 2\nmax_client_conn = 200\n", encoding="utf-8")
    os.chmod(tmp_path, 0o755)
    os.chmod(directory, 0o755)
    argv = [binary, str(directory / "pgbouncer.ini")] + (["-u", "postgres"] if os.geteuid() == 0 else [])
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while socket.socket().connect_ex(("127.0.0.1", listen)) != 0:
        assert proc.poll() is None and time.monotonic() < deadline, "pgbouncer did not start"
        time.sleep(0.05)
    yield listen
    proc.terminate()
    proc.wait()


def test_an_unknown_pgbouncer_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="pgbouncer=transaction"):
        create_engine("postgresql+asyncpg://gateway@127.0.0.1/gateway?pgbouncer=session")


async def test_intake_through_pgbouncer_in_transaction_mode(aiohttp_client: Any, migrated: Callable[[str], str], pgbouncer: int,
                                                              redis_url: str, receiver: Receiver) -> None:
    direct = migrated("postgresql")
    _truncate(direct)
    user, database = direct.split("://", 1)[1].split("@", 1)[0], direct.rsplit("/", 1)[1]
    through = f"postgresql+asyncpg://{user}@127.0.0.1:{pgbouncer}/{database}?pgbouncer=transaction"
    api = await start_api(aiohttp_client, make_settings(through, redis_url, receiver.url))
    try:
        # More transactions at once than PgBouncer has server connections: each statement may meet another one.
        results = await asyncio.gather(*(api.report(text=f"第{n}处井盖破损", class_id="cp-0118", location={"lat": 31.0 + n / 100, "lon": 120.5})
                                         for n in range(30)))
        assert len({r["case_id"] for r in results}) == 30
        for result in results[:5]:
            resp = await api.client.get(f"/api/v1/cases/{result['case_id']}", headers=api.auth())
            assert resp.status == 200
        assert len(await api.store.deliveries()) == 30
    finally:
        await api.store.close()
