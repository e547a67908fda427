"""Waiting on the call records the workers write."""
from __future__ import annotations

from collections.abc import Callable

from gateway.store.models import CallRow
from gateway.store.store import Store
from tests.conftest import eventually


async def calls_where(store: Store, check: Callable[[CallRow], bool], count: int, timeout: float = 60) -> list[CallRow]:
    """At least `count` calls that pass `check`, once there are."""
    async def found() -> list[CallRow] | None:
        rows = [row for row in await store.calls(limit=100) if check(row)]
        return rows if len(rows) >= count else None

    return await eventually(found, timeout=timeout)


def answered(row: CallRow) -> bool:
    return row.answered_at is not None


def ended(row: CallRow) -> bool:
    return row.ended_at is not None
