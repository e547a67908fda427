"""The account's custom menu (自定义菜单): 我要上报, 查询进度, 我的案件 as click buttons whose keys the dialogue answers."""
from __future__ import annotations

from typing import Any

from channels.messaging.wechat.api import WechatApi, wechat_settings
from channels.messaging.wechat.dialogue import MENU_KEYS
from gateway.queueing import redis_connection
from gateway.settings import Settings

NAMES = {"REPORT": "我要上报", "STATUS": "查询进度", "MY_CASES": "我的案件"}


def menu() -> dict[str, Any]:
    return {"button": [{"type": "click", "name": NAMES[key], "key": key} for key in MENU_KEYS]}


async def create_menu(settings: Settings) -> list[str]:
    """Replace the account's menu (cgi-bin/menu/create); the button names."""
    await WechatApi(wechat_settings(settings), redis_connection(settings)).post("cgi-bin/menu/create", menu())
    return [button["name"] for button in menu()["button"]]
