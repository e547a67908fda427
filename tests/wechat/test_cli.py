"""`gateway wechat set-menu` creates the account's menu with the keys the dialogue answers."""
from __future__ import annotations

from pathlib import Path

import yaml

from channels.messaging.wechat.menu import menu
from tests.messaging.test_cli import run_cli
from tests.wechat.api_server import WechatApiServer
from tests.wechat.conftest import APP_ID, APP_SECRET, TOKEN, Gateway
from tests.wechat.users import User


async def test_set_menu(wechat_api: WechatApiServer, tmp_path: Path, redis_url: str) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text(yaml.safe_dump({
        "redis_url": redis_url,
        "wechat": {"token": TOKEN, "app_id": APP_ID, "app_secret": APP_SECRET, "api_base_url": wechat_api.url},
    }), encoding="utf-8")
    code, out, err = await run_cli(config, "wechat", "set-menu")
    assert code == 0, err
    assert out.strip() == "menu created: 我要上报 / 查询进度 / 我的案件"
    [menu] = wechat_api.sent("menu")
    assert [(b["type"], b["name"], b["key"]) for b in menu["button"]] == [
        ("click", "我要上报", "REPORT"), ("click", "查询进度", "STATUS"), ("click", "我的案件", "MY_CASES")]
    assert APP_SECRET not in out + err


async def test_every_menu_key_is_answered(gateway: Gateway) -> None:
    user: User = gateway.user()
    answers = [await user.event("CLICK", button["key"]) for button in menu()["button"]]
    assert answers[0].startswith("请用文字或语音描述") and answers[1].startswith("请发送“进度") and answers[2] == "您最近没有未结案件。"


async def test_set_menu_without_settings_fails_clearly(tmp_path: Path) -> None:
    config = tmp_path / "gateway.yaml"
    config.write_text("public_base_url: https://gateway.city.example\n", encoding="utf-8")
    code, _, err = await run_cli(config, "wechat", "set-menu")
    assert code != 0 and "GATEWAY_WECHAT__APP_SECRET" in err
