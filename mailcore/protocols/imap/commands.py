"""The IMAP dispatch table, filled: importing this module imports every module that
registers commands (``session.command``); the server imports it once.

A new command module adds one line here.
"""

from mailcore.protocols.imap import (  # noqa: F401
    auth,
    fetch,
    mailboxes,
    messages,
    search,
    selected,
    session,
    sort,
    thread,
)

COMMANDS = session.COMMANDS
