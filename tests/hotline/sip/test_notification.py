"""A caller who pressed 1 for updates gets them by SMS: the SIP channel's notifier sends through Twilio's REST API."""
from __future__ import annotations

import importlib

from gateway.casework.notify import notifiers
from gateway.settings import Settings, TwilioSettings
from tests.twilio.restapi import running_twilio

ACCOUNT_SID = "AC" + "fedcba9876543210" * 2
AUTH_TOKEN = "auth-token-for-the-sip-notifier"
SMS_FROM = "+8651265112319"


async def test_status_update_reaches_the_callers_phone_by_sms() -> None:
    sip_channel = importlib.import_module("channels.hotline.sip")
    assert notifiers(("hotline.sip",)) == {"hotline": sip_channel.send_notification}
    async with running_twilio(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        settings = Settings(twilio=TwilioSettings(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, api_base_url=twilio.url, sms_from=SMS_FROM))
        await sip_channel.send_notification(settings, {"phone": "+8613800000001"}, "zh", "案件 20261122000042 已派遣。",
                                            case_number="20261122000042", case_status="dispatched")
        [message] = twilio.messages
    assert (message["To"], message["From"]) == ("+8613800000001", SMS_FROM)
    assert "20261122000042" in message["Body"]
