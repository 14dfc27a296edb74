"""``Follower``: a task that follows one channel of the bus for as long as it runs.

``start`` returns once the subscription exists (nothing published after it is missed) and
raises if it could not subscribe; ``stop`` cancels the task. Subclasses name the
subscription and handle each event.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, suppress
from typing import Any, Self


class Follower:
    task_name = "qiyou-bus-follower"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def subscription(self) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        raise NotImplementedError

    async def handle(self, event: dict[str, Any]) -> None:
        raise NotImplementedError

    async def start(self) -> Self:
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._follow(ready), name=self.task_name)
        waiting = asyncio.create_task(ready.wait())
        await asyncio.wait({self._task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if self._task.done():
            self._task.result()  # raises why it could not subscribe
        return self

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _follow(self, ready: asyncio.Event) -> None:
        async with self.subscription() as stream:
            ready.set()
            async for event in stream:
                await self.handle(event)
