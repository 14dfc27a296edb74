"""Store layer: the one ingest path (request, policies hook, group commit), folders,
threading, mailbox changes, the registry of after-commit consumers and the outbox.
It imports only ``mailcore.core``."""
