"""Where Redis is behind Sentinel: sentinels as host:port, and what redis_url may still say next to them."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SENTINEL_URL_FORM = "redis://[[user]:password@]/<database number>"


@dataclass(frozen=True)
class SentinelDatabase:
    """The database, user and password on the master the sentinels name."""

    db: int = 0
    username: str | None = None
    password: str | None = None


def host_and_port(address: str) -> tuple[str, int]:
    """`sentinel-1:26379` or `[::1]:26379` as (host, port); a ValueError naming the address otherwise."""
    host, colon, port = address.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not colon or not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"redis_sentinels: {address!r} is not host:port (for example sentinel-1:26379)")
    return host, int(port)


def url_password(url: str) -> str | None:
    """The password a Redis URL carries, if any."""
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def sentinel_database(url: str | None) -> SentinelDatabase:
    """What redis_url gives next to sentinels (database number, user, password); a host, TLS, a socket or options refused."""
    if not url:
        return SentinelDatabase()
    parts = urlsplit(url)
    if parts.scheme != "redis":
        raise ValueError(f"with redis_sentinels, redis_url is {SENTINEL_URL_FORM} or unset ({parts.scheme}:// is not used with sentinels)")
    if parts.hostname or parts.netloc.rsplit("@", 1)[-1]:
        raise ValueError(f"with redis_sentinels, redis_url names no host (the sentinels name the master): give {SENTINEL_URL_FORM} or leave it unset")
    if parts.query or parts.fragment:
        raise ValueError(f"with redis_sentinels, redis_url takes no options: give {SENTINEL_URL_FORM}")
    number = parts.path.strip("/") or "0"
    if not (number.isascii() and number.isdigit()):
        raise ValueError(f"with redis_sentinels, redis_url ends in a database number, not {number!r}: give {SENTINEL_URL_FORM}")
    return SentinelDatabase(int(number), unquote(parts.username) if parts.username else None,
                            unquote(parts.password) if parts.password is not None else None)
