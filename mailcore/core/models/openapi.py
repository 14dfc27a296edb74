"""Open API models: app credentials per enterprise and kind, access tokens, webhook queue."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class AppKind(StrEnum):
    DIRECTORY = "directory"
    SSO = "sso"
    NEWMAIL = "newmail"
    SETTINGS = "settings"
    LOGS = "logs"


class CallbackFormat(StrEnum):
    """How a newmail app's webhook calls are sent: Qiyou's signed JSON, or Exmail's
    encrypted XML (WeChat Work's callback scheme)."""

    QIYOU = "qiyou"
    EXMAIL = "exmail"


class OpenApp(Model):
    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="apps", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(AppKind, max_length=16)
    corpid = fields.CharField(max_length=64, unique=True)
    secret_hash = fields.CharField(max_length=200)
    webhook_url = fields.CharField(max_length=1000, default="")
    webhook_secret = fields.CharField(max_length=128, default="")
    callback_format = fields.CharEnumField(
        CallbackFormat, max_length=16, default=CallbackFormat.QIYOU, db_default="qiyou"
    )
    callback_token = fields.CharField(max_length=32, default="", db_default="")  # as is, like
    callback_aes_key = fields.CharField(max_length=43, default="", db_default="")  # the secret
    enabled = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "open_app"


class AppToken(Model):
    id = fields.IntField(primary_key=True)
    app: fields.ForeignKeyRelation[OpenApp] = fields.ForeignKeyField(
        "qiyou.OpenApp", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "app_token"


class WebhookDelivery(Model):
    """One webhook call to make (new-mail notification), retried with backoff."""

    id = fields.BigIntField(primary_key=True)
    app: fields.ForeignKeyRelation[OpenApp] = fields.ForeignKeyField(
        "qiyou.OpenApp", related_name="deliveries", on_delete=fields.CASCADE
    )
    body = fields.TextField()
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    delivered_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_delivery"


class SsoTicket(Model):
    """A one-time single sign-on URL ticket (valid 300 s)."""

    id = fields.IntField(primary_key=True)
    ticket = fields.CharField(max_length=64, unique=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="sso_tickets", on_delete=fields.CASCADE
    )
    expires_at = fields.DatetimeField()
    used = fields.BooleanField(default=False)

    class Meta:
        table = "sso_ticket"
