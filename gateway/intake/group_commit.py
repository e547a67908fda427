"""Group commit: reports waiting to be written share one transaction and one commit.

Each round trip to the database costs far more than the work around it, and a commit costs a
disk flush; a single writer that takes every report waiting (up to a limit) and writes them in one
transaction pays those costs once per group instead of once per report. A report is answered only
after the commit that holds it.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        write_group: Callable[[list[Item]], Awaitable[list[Result]]],
        write_one: Callable[[Item], Awaitable[Result]],
        max_group: int = 32,
    ) -> None:
        self.write_group = write_group
        self.write_one = write_one
        self.max_group = max_group
        self._queue: asyncio.Queue[tuple[Item, asyncio.Future[Result]]] | None = None
        self._task: asyncio.Task[None] | None = None
        self._queued = 0  # items handed to the writer so far
        self._settled = 0  # items of those committed or refused
        self._progress = asyncio.Event()

    async def write(self, item: Item) -> Result:
        """Queue an item for the writer and wait until it is committed (or refused)."""
        if self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._run(), name="group-commit")
        assert self._queue is not None
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        self._queued += 1
        return await asyncio.shield(future)

    async def settled(self) -> None:
        """Wait until every item queued before this call is committed or refused (at once if the writer is stopped)."""
        target = self._queued
        while self._settled < target and self._task is not None and not self._task.done():
            progress = self._progress
            await progress.wait()

    async def close(self) -> None:
        """Stop the writer after the groups already taken are written."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            group = [await self._queue.get()]
            while len(group) < self.max_group and not self._queue.empty():
                group.append(self._queue.get_nowait())
            await asyncio.shield(self._write(group))

    async def _write(self, group: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        items = [item for item, _ in group]
        try:
            results: list[Result | BaseException] = list(await self.write_group(items))
        except Exception:
            # One bad item must not sink the others (and a lost race is settled per item): one by one.
            log.info("group of %d not written as a whole; writing them one by one", len(items), exc_info=True)
            results = []
            for item in items:
                try:
                    results.append(await self.write_one(item))
                except Exception as exc:
                    results.append(exc)
        for (_, future), result in zip(group, results):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)
        self._settled += len(group)
        self._progress.set()
        self._progress = asyncio.Event()
