"""The address links point at: `public_base_url` when configured, otherwise the address the gateway is served on."""
from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from gateway.settings import Settings

log = logging.getLogger("gateway")
WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}
LOCAL_NAMES = {"localhost"}


def served_base_url(host: str, port: int) -> str:
    """http://host:port as a browser on this machine reaches it (a wildcard bind means loopback)."""
    host = WILDCARDS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _is_local(hostname: str | None) -> bool:
    if hostname is None:
        return False
    if hostname.lower() in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def with_served_address(settings: Settings, host: str, port: int) -> Settings:
    """Settings whose public_base_url is the configured one, or the served address when none is configured. A
    configured one on this machine at another port is kept, with a warning (links would lead nowhere)."""
    served = served_base_url(host, port)
    if "public_base_url" not in settings.model_fields_set:
        return settings.model_copy(update={"public_base_url": served})
    configured = urlsplit(settings.public_base_url)
    configured_port = configured.port or (443 if configured.scheme == "https" else 80)
    if _is_local(configured.hostname) and configured_port != port:
        log.warning("public_base_url is %s but the gateway is served on %s: links to reporters and photo URLs sent to "
                    "platforms use the configured address; remove public_base_url to use the served one",
                    settings.public_base_url, served)
    return settings


def warn_unserved(settings: Settings) -> None:
    """A process that serves nothing (the worker) cannot know the port: say so when public_base_url is not set."""
    if "public_base_url" not in settings.model_fields_set:
        log.warning("public_base_url is not set: links this process sends (photo URLs for platforms, reporters' links) name "
                    "%s; set it to the address `gateway serve` is reached at", settings.public_base_url)
