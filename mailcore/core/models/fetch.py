"""External mailboxes (U11, 邮件代收): a member's accounts on other servers, fetched over
IMAP or POP3, and what was taken from each so nothing is fetched twice."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class ExternalProtocol(StrEnum):
    IMAP = "imap"
    POP3 = "pop3"


class ExternalSecurity(StrEnum):
    TLS = "tls"  # TLS from the first byte (IMAPS 993, POP3S 995)
    STARTTLS = "starttls"  # plain connection upgraded before login
    NONE = "none"  # no encryption (only for a server on a trusted network)


class SendMode(StrEnum):
    """How mail sent as a verified external address leaves (send-as, docs/external-accounts.md)."""

    QUEUE = "queue"  # through our own delivery queue (MX or the relay)
    SMTP = "smtp"  # through the external server's SMTP, with its login


class FetchOutcome(StrEnum):
    STORED = "stored"  # ingested into the member's mailbox
    DUPLICATE = "duplicate"  # the member had its Message-ID in the target folder already
    REFUSED = "refused"  # too large, refused by policy or quota: kept on the server


class ExternalAccount(Model):
    """One external mailbox of a member, with its password encrypted (mailcore/fetch/crypt.py).

    Times of the schedule are epoch milliseconds: the fetch is due at ``next_attempt_at``, and
    a worker holds it until ``lease_until`` (``mailcore/fetch/worker.py``)."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="external_accounts", on_delete=fields.CASCADE
    )
    protocol = fields.CharEnumField(ExternalProtocol, max_length=8)
    host = fields.CharField(max_length=255)
    port = fields.IntField()
    security = fields.CharEnumField(ExternalSecurity, max_length=16)
    username = fields.CharField(max_length=320)
    password_secret = fields.TextField()
    # The folder fetched mail goes to (null: the Inbox); with ``mirror_folders`` (IMAP) the
    # remote folders are made under it (under a folder named after the account when null).
    folder: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Folder", related_name="external_accounts", null=True, on_delete=fields.SET_NULL
    )
    mirror_folders = fields.BooleanField(default=False)
    leave_on_server = fields.BooleanField(default=True)
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_success_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    last_error_at = fields.DatetimeField(null=True)
    failures = fields.IntField(default=0)
    next_attempt_at = fields.BigIntField(default=0, db_index=True)
    lease_until = fields.BigIntField(default=0)
    fetched_count = fields.IntField(default=0)
    # Send-as (mailcore/fetch/sendas.py): the address proved by a mailed code (verified when
    # ``send_as_verified_at`` is set), and how its mail leaves. The SMTP fields empty: the
    # fetch login and the provider preset's SMTP host.
    send_as_address = fields.CharField(max_length=320, default="", db_default="")
    send_as_verified_at = fields.DatetimeField(null=True)
    send_mode = fields.CharEnumField(
        SendMode, max_length=8, default=SendMode.QUEUE, db_default=SendMode.QUEUE.value
    )
    smtp_host = fields.CharField(max_length=255, default="", db_default="")
    smtp_port = fields.IntField(default=0, db_default=0)
    smtp_security = fields.CharEnumField(
        ExternalSecurity,
        max_length=16,
        default=ExternalSecurity.TLS,
        db_default=ExternalSecurity.TLS.value,
    )
    smtp_username = fields.CharField(max_length=320, default="", db_default="")
    smtp_password_secret = fields.TextField(default="", db_default="")

    class Meta:
        table = "external_account"


class SendAsCode(Model):
    """A confirmation code mailed to a send-as address, stored hashed with a salt.

    It ends at ``expires_at``, after ``MAX_ATTEMPTS`` guesses, or when used or replaced."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[ExternalAccount] = fields.ForeignKeyField(
        "qiyou.ExternalAccount", related_name="send_as_codes", on_delete=fields.CASCADE
    )
    address = fields.CharField(max_length=320)
    code_hash = fields.CharField(max_length=64)
    salt = fields.CharField(max_length=32)
    attempts = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "send_as_code"


class ExternalFetched(Model):
    """A message taken (or refused) from an external account: ``folder`` is the remote folder
    (empty for POP3), ``key`` its ``UIDVALIDITY:UID`` (IMAP) or UIDL (POP3)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[ExternalAccount] = fields.ForeignKeyField(
        "qiyou.ExternalAccount", related_name="fetched", on_delete=fields.CASCADE
    )
    folder = fields.CharField(max_length=500)
    key = fields.CharField(max_length=200)
    outcome = fields.CharEnumField(FetchOutcome, max_length=16)
    reason = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "external_fetched"
        unique_together = (("account", "folder", "key"),)
