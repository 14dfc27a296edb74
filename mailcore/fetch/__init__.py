"""External mailboxes (U11, 邮件代收): members' accounts on other servers, fetched over IMAP
or POP3 into their mailbox through the one ingest path (``IngestSource.FETCH``).

``service`` adds (after a test login), changes, lists and deletes accounts; ``remote`` speaks
to the other server (stdlib imaplib/poplib in a thread, with a timeout); ``fetcher`` takes
one account's new mail; ``worker`` runs due accounts under a lease row, in any process.
See docs/external-accounts.md.
"""
