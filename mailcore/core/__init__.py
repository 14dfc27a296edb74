"""Core layer: settings, database, models and migrations, MIME, blobs, the event bus and
network limits. It imports nothing else of ``mailcore``."""
