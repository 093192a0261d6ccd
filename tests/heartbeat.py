"""A task that measures how long the event loop goes without giving other work a turn."""

from __future__ import annotations

import asyncio
import gc
import time


class Heartbeat:
    """Wakes every ``period`` seconds and records the longest gap between turns (``max_gap``).

    Used as ``with`` or ``async with`` inside a running loop. A full collection of the test
    process's large heap (pytest, hypothesis, every module of the suite) stops every thread for
    a few hundred milliseconds whatever the code does: the objects made so far are set aside
    (``gc.freeze``) so that what is measured is the loop's own waits.
    """

    def __init__(self, period: float = 0.005) -> None:
        self.period = period
        self.max_gap = 0.0
        self.turns = 0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(self.period)
            now = time.perf_counter()
            self.max_gap = max(self.max_gap, now - last)
            self.turns += 1
            last = now

    def __enter__(self) -> Heartbeat:
        gc.collect()
        gc.freeze()
        self._task = asyncio.create_task(self._beat())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        gc.unfreeze()

    async def __aenter__(self) -> Heartbeat:
        self.__enter__()
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.__exit__()
