"""The IMAP dispatch table, filled: importing this module imports every module that
registers commands (``session.command``); the server imports it once.

A new command module adds one line here.
"""

from mailcore.protocols.imap import auth, mailboxes, session  # noqa: F401

COMMANDS = session.COMMANDS
