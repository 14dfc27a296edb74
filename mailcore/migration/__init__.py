"""Mail migration (A5, 邮箱搬家): an administrator moves many members' mail from the old
server in one action, over IMAP (each member's old password) or POP3.

``source`` reads the old server's URL and the members' list (CSV/XLSX); ``service`` starts,
pauses and resumes migrations for an admin scope; ``progress`` gives their totals, rate,
live changes and each member's report; ``folders`` maps old folders to ours; ``mover`` moves
one member's mailbox through the one ingest path (``IngestSource.MIGRATION``), talking to
the old server with ``mailcore/fetch/remote.py``; ``worker`` runs the members' rows under
leases, in any process. See docs/migration.md.
"""
