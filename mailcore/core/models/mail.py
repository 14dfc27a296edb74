"""Mail models: folders, messages stored once, per-recipient mailbox entries, threads, queue."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class FolderRole(StrEnum):
    INBOX = "inbox"
    DRAFTS = "drafts"
    SENT = "sent"
    TRASH = "trash"
    SPAM = "spam"
    ARCHIVE = "archive"


class Folder(Model):
    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="folders", on_delete=fields.CASCADE
    )
    parent: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Folder", related_name="children", null=True, on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    role = fields.CharEnumField(FolderRole, max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # IMAP (docs/imap.md): UIDVALIDITY is the folder's id; the next UID it gives (never
    # lower than any UID it gave); whether IMAP clients list it as subscribed.
    uid_next = fields.BigIntField(default=1, db_default=1)
    subscribed = fields.BooleanField(default=True, db_default=True)

    class Meta:
        table = "folder"
        unique_together = (("member", "role"),)


class Message(Model):
    """One stored message: the raw blob (by SHA-256) plus metadata parsed once at ingest."""

    id = fields.IntField(primary_key=True)
    sha256 = fields.CharField(max_length=64, unique=True)
    size = fields.IntField()
    message_id = fields.CharField(max_length=998, null=True, db_index=True)
    in_reply_to = fields.CharField(max_length=998, null=True, db_index=True)
    references = fields.TextField(default="")
    subject = fields.TextField(default="")
    from_name = fields.CharField(max_length=320, default="")
    from_address = fields.CharField(max_length=320, default="")
    to_json = fields.JSONField(default=list)
    cc_json = fields.JSONField(default=list)
    date = fields.DatetimeField(null=True)
    has_attachments = fields.BooleanField(default=False)
    preview = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "message"


class Attachment(Model):
    id = fields.IntField(primary_key=True)
    message: fields.ForeignKeyRelation[Message] = fields.ForeignKeyField(
        "qiyou.Message", related_name="attachments", on_delete=fields.CASCADE
    )
    index = fields.IntField()
    filename = fields.CharField(max_length=500)
    content_type = fields.CharField(max_length=200)
    size = fields.IntField()
    content_id = fields.CharField(max_length=500, null=True)
    inline = fields.BooleanField(default=False)

    class Meta:
        table = "attachment"
        unique_together = (("message", "index"),)


class Thread(Model):
    """A conversation within one member's mailbox."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="threads", on_delete=fields.CASCADE
    )
    subject_key = fields.CharField(max_length=500, default="", db_index=True)
    subject = fields.TextField(default="")
    last_date = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "thread"
        indexes = (("member_id", "last_date", "id"),)  # conversations, newest first


class MailboxEntry(Model):
    """A message as one member has it: folder, flags and conversation."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="entries", on_delete=fields.CASCADE
    )
    message: fields.ForeignKeyRelation[Message] = fields.ForeignKeyField(
        "qiyou.Message", related_name="entries", on_delete=fields.RESTRICT
    )
    folder: fields.ForeignKeyRelation[Folder] = fields.ForeignKeyField(
        "qiyou.Folder", related_name="entries", on_delete=fields.RESTRICT
    )
    thread: fields.ForeignKeyRelation[Thread] = fields.ForeignKeyField(
        "qiyou.Thread", related_name="entries", on_delete=fields.RESTRICT
    )
    seen = fields.BooleanField(default=False)
    flagged = fields.BooleanField(default=False)
    answered = fields.BooleanField(default=False)
    draft = fields.BooleanField(default=False)
    bcc_json = fields.JSONField(default=list)
    size = fields.IntField()
    received_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)
    # IMAP (docs/imap.md): the UID in its folder and the modification sequence, both taken
    # from the member's counter (``Member.modseq``) when the entry arrives in its folder;
    # the \Deleted flag and the keywords ("$Forwarded $MDNSent …", space-separated).
    uid = fields.BigIntField(default=0, db_default=0)
    modseq = fields.BigIntField(default=0, db_default=0)
    deleted = fields.BooleanField(default=False, db_default=False)
    keywords = fields.TextField(default="", db_default="")

    class Meta:
        table = "mailbox_entry"
        indexes = (
            ("member_id", "folder_id", "received_at"),
            ("member_id", "thread_id"),
            ("folder_id", "uid"),
        )


class OutboundStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    RECALLED = "recalled"  # the sender recalled it before it was handed on


class OutboundMessage(Model):
    """One external recipient of one message, waiting for remote delivery."""

    id = fields.IntField(primary_key=True)
    message: fields.ForeignKeyRelation[Message] = fields.ForeignKeyField(
        "qiyou.Message", related_name="outbound", on_delete=fields.RESTRICT
    )
    sender: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="outbound", null=True, on_delete=fields.SET_NULL
    )
    envelope_from = fields.CharField(max_length=320)
    recipient = fields.CharField(max_length=320)
    status = fields.CharEnumField(OutboundStatus, max_length=16, default=OutboundStatus.QUEUED)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    last_error = fields.TextField(default="")  # the last SMTP reply or connection error
    created_at = fields.DatetimeField(auto_now_add=True)
    # The lease of a delivery attempt in progress (status SENDING): a row whose lease expired
    # (the process died mid-delivery) is queued again; see docs/delivery.md.
    started_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    remote_host = fields.CharField(max_length=255, default="", db_default="")
    warned = fields.BooleanField(default=False, db_default=False)  # delay DSN sent
    bounced = fields.BooleanField(default=False, db_default=False)  # final DSN handled
    # The sender's DSN parameters (RFC 3461; docs/delivery.md): RET and ENVID of its MAIL,
    # NOTIFY and ORCPT of this recipient's RCPT; "" when not given.
    dsn_ret = fields.CharField(max_length=4, default="", db_default="")
    dsn_envid = fields.CharField(max_length=100, default="", db_default="")
    dsn_notify = fields.CharField(max_length=32, default="", db_default="")
    dsn_orcpt = fields.CharField(max_length=500, default="", db_default="")
    # Delivered to a server that did not take the DSN parameters, with NOTIFY=SUCCESS: a
    # "relayed" report is owed to the sender (RFC 3461 6.2.2).
    dsn_relayed = fields.BooleanField(default=False, db_default=False)
    # Send-as through an external server (docs/external-accounts.md): the ``ExternalAccount``
    # whose SMTP server delivers this row with its login; null: our own MX or relay delivery.
    smtp_account_id = fields.IntField(null=True)

    class Meta:
        table = "outbound_message"
        indexes = (("status", "next_attempt_at"),)
