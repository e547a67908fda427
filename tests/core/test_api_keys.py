"""API keys: listed and revoked from the command line, and a revoked key refused at once by every serving process."""
from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

from gateway.api.auth import new_api_key
from tests.core.conftest import Api, make_settings, start_api
from tests.support.receiver import Receiver


async def gateway_command(api: Api, *args: str) -> tuple[int, str, str]:
    """`gateway <args>` in its own process, on the test's database and Redis."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")} | {
        "GATEWAY_DATABASE_URL": api.settings.database_url, "REDIS_URL": api.settings.redis_url or ""}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "gateway", *args, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def cases_status(api: Api, key: str) -> int:
    resp = await api.client.get("/api/v1/cases", headers={"Authorization": f"Bearer {key}"})
    return resp.status


async def test_a_key_revoked_by_the_command_is_refused_at_once_by_every_process(api: Api, aiohttp_client: Any, receiver: Receiver) -> None:
    other = await start_api(aiohttp_client, make_settings(api.settings.database_url, api.settings.redis_url, receiver.url))
    key = new_api_key()
    await api.store.add_api_key("partner-app", key, "client")
    assert await cases_status(api, key) == 200 and await cases_status(other, key) == 200  # now cached in both processes

    code, out, _ = await gateway_command(api, "apikey", "list")
    assert code == 0
    [line] = [line for line in out.splitlines() if line.endswith("partner-app")]
    key_id, role, *_ = line.split()
    assert role == "client" and key not in out

    code, out, err = await gateway_command(api, "apikey", "revoke", key_id)
    assert code == 0, err
    assert f"API key {key_id} (partner-app, client) revoked" in out
    assert await cases_status(api, key) == 401 and await cases_status(other, key) == 401
    assert await cases_status(api, api.keys["client"]) == 200, "other keys keep working"
    assert [a.action for a in await api.store.audit_of("api_key", "partner-app")] == ["created", "revoked"]
    listed = (await gateway_command(api, "apikey", "list"))[1]
    assert next(line for line in listed.splitlines() if line.endswith("partner-app")).split()[0] == key_id
    assert "-  partner-app" not in listed, "shown as revoked"
    await other.store.close()


async def test_revoking_a_key_that_does_not_exist_says_so_and_changes_nothing(api: Api) -> None:
    code, _, err = await gateway_command(api, "apikey", "revoke", "999999")
    assert code == 1 and "no API key with id 999999" in err
    assert [await cases_status(api, key) for key in api.keys.values()] == [200, 200, 200]
