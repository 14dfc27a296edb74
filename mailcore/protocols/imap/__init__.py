"""IMAP4rev2 (RFC 9051) and IMAP4rev1 (RFC 3501) over the store's mailboxes (docs/imap.md).

Wire and session: ``server`` (listeners), ``connection`` (bounded I/O, STARTTLS, DEFLATE),
``parser`` (commands to values), ``responses`` (errors and encoding), ``commands`` (the
dispatch table), ``session`` (states, core commands, IDLE), ``auth``, ``mailboxes``.
Messages and the selected mailbox: ``selected``, ``sequence``, ``fetch``, ``search``,
``sort``, ``thread``, ``messages``.
"""
