"""Personal mail rules: filters, the vacation auto-reply and forwarding, applied at ingest."""
