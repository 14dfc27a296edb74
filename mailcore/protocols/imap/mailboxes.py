"""Mailbox commands (LIST, STATUS, CREATE, DELETE, RENAME, SUBSCRIBE, APPEND): being written."""
