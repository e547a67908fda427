"""The mail channel's settings: passwords from the environment, and a channel listed without what it needs refused."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from channels.mail import MailChannelNotConfigured
from gateway.app import build_app
from gateway.settings import MailboxSettings, MailIntakeSettings, MailSettings, Settings, load_settings

MAILBOX = {"id": "mayor-office", "host": "imap.example.gov.cn", "user": "mayor@example.gov.cn", "folder": "市长信箱"}


def test_a_mailboxs_password_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(yaml.safe_dump({"mail_intake": {"mailboxes": [MAILBOX | {"password": "in-the-file"}]}}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("GATEWAY_MAILBOX_MAYOR_OFFICE_PASSWORD", "from-the-environment")
    [mailbox] = load_settings(path).mail_intake.mailboxes
    assert mailbox.password == "from-the-environment" and mailbox.tls and mailbox.port == 993 and mailbox.after == "flag"


@pytest.mark.parametrize("change", [{"mailboxes": [MAILBOX, MAILBOX]}, {"mailboxes": [MAILBOX | {"id": "Bad Id"}]},
                                    {"mailboxes": [MAILBOX | {"after": "delete"}]}, {"poll_seconds": 0}])
def test_bad_mail_intake_settings_are_refused(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        MailIntakeSettings(**change)


@pytest.mark.parametrize("settings", [
    Settings(channels=["mail"], mail=MailSettings(host="127.0.0.1", sender="mayor@example.gov.cn")),
    Settings(channels=["mail"], mail_intake=MailIntakeSettings(mailboxes=[MailboxSettings(**MAILBOX)])),
    Settings(channels=["mail"], mail=MailSettings(host="127.0.0.1", sender="mayor@example.gov.cn"),
             mail_intake=MailIntakeSettings(smtp={"enabled": True})),
])
def test_the_channel_refuses_to_start_without_a_mailbox_a_way_to_answer_or_smtp_domains(settings: Settings) -> None:
    with pytest.raises(MailChannelNotConfigured):
        build_app(settings)


async def test_without_the_web_channel_mails_carry_no_status_link() -> None:
    from channels.mail import reporter_note

    settings = Settings(channels=["mail"], mail=MailSettings(host="127.0.0.1", sender="mayor@example.gov.cn"))
    assert await reporter_note(None, settings, 1, "20261202000001", "zh") == ""  # type: ignore[arg-type]
