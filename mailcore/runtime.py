"""The long-lived services of one Qiyou process, built from settings and shared by protocols."""

from __future__ import annotations

from dataclasses import dataclass

from mailcore.core.blobs import BlobStore, open_blob_store
from mailcore.core.config import Settings
from mailcore.core.mime import display
from mailcore.store.ingest import Ingestor


@dataclass
class Runtime:
    settings: Settings
    blobs: BlobStore
    ingestor: Ingestor

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        blobs = open_blob_store(str(settings.blob_dir))
        display.configure(
            settings.html_budget,
            settings.html_max_size,
            settings.html_cache_size,
            settings.html_workers,
        )
        return cls(settings=settings, blobs=blobs, ingestor=Ingestor(blobs))

    async def close(self) -> None:
        await self.ingestor.close()
