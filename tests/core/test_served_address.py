"""Links (the reporter's personal link, photo URLs sent to platforms) lead to the address actually served."""
from __future__ import annotations

import logging

import pytest

from gateway.served import served_base_url, warn_unserved, with_served_address
from gateway.settings import Settings


def test_without_a_configured_address_links_use_the_port_served() -> None:
    settings = with_served_address(Settings(), "127.0.0.1", 18080)
    assert settings.public_base_url == "http://127.0.0.1:18080"


@pytest.mark.parametrize(("host", "url"), [("0.0.0.0", "http://127.0.0.1:9000"), ("::", "http://[::1]:9000"),
                                           ("192.0.2.7", "http://192.0.2.7:9000"), ("::1", "http://[::1]:9000")])
def test_a_wildcard_bind_is_reached_on_loopback(host: str, url: str) -> None:
    assert served_base_url(host, 9000) == url


def test_a_configured_local_address_at_another_port_is_kept_and_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway"):
        settings = with_served_address(Settings(public_base_url="http://127.0.0.1:8080"), "0.0.0.0", 18080)
    assert settings.public_base_url == "http://127.0.0.1:8080"
    [record] = caplog.records
    assert "http://127.0.0.1:8080" in record.getMessage() and "http://127.0.0.1:18080" in record.getMessage()


@pytest.mark.parametrize("url", ["https://12319.city.example", "http://localhost:18080/", "http://127.0.0.1:18080"])
def test_a_public_or_matching_address_is_kept_silently(url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway"):
        assert with_served_address(Settings(public_base_url=url), "127.0.0.1", 18080).public_base_url == url
    assert caplog.records == []


def test_a_worker_without_a_configured_address_says_what_its_links_name(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway"):
        warn_unserved(Settings(public_base_url="https://12319.city.example"))
        assert caplog.records == []
        warn_unserved(Settings())
    [record] = caplog.records
    assert "public_base_url is not set" in record.getMessage() and "http://127.0.0.1:8080" in record.getMessage()
