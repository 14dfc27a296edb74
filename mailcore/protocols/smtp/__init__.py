"""SMTP protocol adapters (aiosmtpd handlers) that validate and call the ingest path."""
