"""Two real SIP workers behind Kamailio (tests/hotline/dispatch/site.py), on a migrated, empty database."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.hotline.dispatch.site import Site

WORKERS = 2


def needs_sip() -> None:
    """The tools these tests drive must be installed (scripts/system-packages.sh and the [sip] extra); CI fails without them."""
    missing = [tool for tool in ("kamailio", "sipp", "baresip") if shutil.which(tool) is None]
    try:
        import pjsua2  # noqa: F401
    except ImportError:
        missing.append("the pjsua2 wheel")
    if missing:
        message = f"SIP dispatch tests need {', '.join(missing)}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def site(tmp_path: Path, database_url: str, redis_url: str) -> Iterator[Site]:
    """Both workers and the proxy running, on a migrated, empty database (SQLite and PostgreSQL)."""
    needs_sip()
    running = Site(tmp_path, database_url, redis_url, WORKERS)
    try:
        running.start_workers()
        running.start_proxy()
        yield running
    finally:
        running.stop()
