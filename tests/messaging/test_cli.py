"""`gateway telegram set-webhook` registers the public URL and the secret with the Bot API."""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import yaml

from tests.messaging.botapi import BotApiServer
from tests.messaging.conftest import TOKEN, WEBHOOK_SECRET


async def run_cli(config: Path, *args: str) -> tuple[int, str, str]:
    """The command in a child process, with only the settings of `config` (no GATEWAY_TELEGRAM__* from outside)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_TELEGRAM")} | {"GATEWAY_CONFIG": str(config)}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "gateway", *args, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_set_webhook(bot_api: BotApiServer, tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(yaml.safe_dump({
        "public_base_url": "https://gateway.city.example",
        "telegram": {"token": TOKEN, "webhook_secret": WEBHOOK_SECRET, "api_base_url": bot_api.url},
    }), encoding="utf-8")
    code, out, err = await run_cli(config, "telegram", "set-webhook")
    assert code == 0, err
    assert out.strip() == "webhook registered: https://gateway.city.example/channels/telegram/webhook"
    [call] = bot_api.called("setWebhook")
    assert call["url"] == "https://gateway.city.example/channels/telegram/webhook" and call["secret_token"] == WEBHOOK_SECRET
    assert call["allowed_updates"] == ["message", "edited_message", "callback_query"]


async def test_set_webhook_without_settings_fails_clearly(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("public_base_url: https://gateway.city.example\n", encoding="utf-8")
    code, _, err = await run_cli(config, "telegram", "set-webhook")
    assert code != 0 and "GATEWAY_TELEGRAM__TOKEN" in err
