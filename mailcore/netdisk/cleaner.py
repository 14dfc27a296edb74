"""The worker's periodic cleanup of abandoned uploads (unfinished past their expiry, one day
without progress by default): their rows and part rows go at once, their blobs with the next
blob garbage collection (``mailcore/core/blobs/gc.py``), which no longer finds them referenced."""

from __future__ import annotations

import asyncio
import logging

from mailcore.core.locks import singleton
from mailcore.netdisk.uploads import clean_expired

log = logging.getLogger(__name__)
LOCK = "netdisk-uploads"


class UploadCleaner:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._run(), name="netdisk-upload-cleaner")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                async with singleton(LOCK) as held:
                    if held:
                        gone = await clean_expired()
                        if gone:
                            log.info("netdisk: %d abandoned uploads cleaned up", gone)
            except Exception:  # noqa: BLE001 - the next pass tries again
                log.exception("cleaning up abandoned uploads failed")
            await asyncio.sleep(self.interval)
