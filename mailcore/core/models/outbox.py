"""The transactional outbox and the per-mailbox change log, written in the transaction of the
change they record (``mailcore/store``).

``OutboxJob``: what must still happen because a change was committed (a new-mail webhook, a
WeChat reminder, a search update), claimed by workers under a lease and deleted when done.
``MailboxChange``: every change of a member's mailbox in commit order, with the member's
modification sequence (``Member.modseq``), which IMAP (CONDSTORE/QRESYNC) and sync clients
read.
Times are epoch milliseconds, compared the same way on every backend.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class OutboxJob(Model):
    """One job of the outbox: its topic names the consumer, its payload is JSON."""

    id = fields.BigIntField(primary_key=True)
    topic = fields.CharField(max_length=64)
    payload = fields.TextField()
    available_at = fields.BigIntField(default=0)  # epoch ms: not before (retry backoff)
    lease_until = fields.BigIntField(default=0)  # epoch ms: claimed by a worker until then
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(default="")
    created_at = fields.BigIntField(default=0)  # epoch ms

    class Meta:
        table = "outbox"
        indexes = (("topic", "available_at"),)


class ChangeKind(StrEnum):
    ADDED = "added"
    FLAGS = "flags"
    MOVED = "moved"
    REMOVED = "removed"


class MailboxChange(Model):
    """One change of one mailbox entry, its id orders every change of a member."""

    id = fields.BigIntField(primary_key=True)
    member_id = fields.IntField()
    entry_id = fields.BigIntField()
    folder_id = fields.IntField(null=True)  # where the entry is after the change
    kind = fields.CharEnumField(ChangeKind, max_length=16)
    created_at = fields.BigIntField(default=0)  # epoch ms
    # The member's modification sequence of the change (``Member.modseq``); the folder the
    # entry left (moved, removed) and its UID there, or its UID in ``folder_id`` (added,
    # flags): what IMAP CONDSTORE/QRESYNC and sync clients read.
    modseq = fields.BigIntField(default=0, db_default=0)
    from_folder_id = fields.IntField(null=True)
    uid = fields.BigIntField(null=True)

    class Meta:
        table = "mailbox_change"
        indexes = (("member_id", "id"), ("member_id", "modseq"))
