"""``Services``: what protocols and features are handed (settings, blobs, the store, the bus).

Built by ``mailcore/runtime.py`` (its ``Runtime`` is one); kept here so that a protocol or a
feature can name the type without importing the layer above it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mailcore.core.blobs import BlobStore
from mailcore.core.config import Settings
from mailcore.core.events import Bus
from mailcore.store.ingest import Ingestor
from mailcore.store.registry import Registry


@dataclass
class Services:
    settings: Settings
    blobs: BlobStore
    ingestor: Ingestor  # the ingest path; ``ingestor.changes`` changes stored mail
    bus: Bus = field(default_factory=Bus)  # live events (connected by the runtime's start)

    @property
    def registry(self) -> Registry:
        return self.ingestor.registry
