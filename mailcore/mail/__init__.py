"""Mail: folders, the one ingest path, threading, mailbox queries and changes, compose."""
