"""Qiyou's domain core: models, storage, MIME, ingest, SMTP, events. No HTTP or GraphQL here."""
