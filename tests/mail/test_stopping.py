"""A poller that swallows one cancellation (as `asyncio.wait_for` can before Python 3.12) still stops with the app."""
from __future__ import annotations

import asyncio

from channels.mail import stopped


async def test_a_task_that_swallows_a_cancellation_is_cancelled_again_until_it_ends() -> None:
    rounds: list[str] = []

    async def stubborn_poller() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            rounds.append("swallowed")  # carries on polling, like a cancellation lost inside wait_for
        while True:
            rounds.append("polled")
            await asyncio.sleep(0.01)

    task = asyncio.create_task(stubborn_poller())
    await asyncio.sleep(0)
    await asyncio.wait_for(stopped(task), 10)
    assert task.cancelled() and rounds[0] == "swallowed" and "polled" in rounds
