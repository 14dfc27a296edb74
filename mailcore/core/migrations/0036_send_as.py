"""Send-as of external accounts (issue 21, item 2): the proved address, how its mail leaves
(our queue or the external server's SMTP, with its own login), the mailed confirmation
codes, and the account an outbound row is delivered through."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from mailcore.core.models.fetch import ExternalSecurity, SendMode


def _add(name: str, field: fields.Field, model: str = "ExternalAccount") -> ops.AddField:
    return ops.AddField(model_name=model, name=name, field=field)


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0035_mail_migration")]

    initial = False

    operations = [
        _add("send_as_address", fields.CharField(default="", db_default="", max_length=320)),
        _add("send_as_verified_at", fields.DatetimeField(null=True)),
        _add(
            "send_mode",
            fields.CharEnumField(
                default=SendMode.QUEUE,
                description="QUEUE: queue\nSMTP: smtp",
                db_default="queue",
                enum_type=SendMode,
                max_length=8,
            ),
        ),
        _add("smtp_host", fields.CharField(default="", db_default="", max_length=255)),
        _add("smtp_port", fields.IntField(default=0, db_default=0)),
        _add(
            "smtp_security",
            fields.CharEnumField(
                default=ExternalSecurity.TLS,
                description="TLS: tls\nSTARTTLS: starttls\nNONE: none",
                db_default="tls",
                enum_type=ExternalSecurity,
                max_length=16,
            ),
        ),
        _add("smtp_username", fields.CharField(default="", db_default="", max_length=320)),
        _add("smtp_password_secret", fields.TextField(default="", db_default="", unique=False)),
        _add("smtp_account_id", fields.IntField(null=True), model="OutboundMessage"),
        ops.CreateModel(
            name="SendAsCode",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "account",
                    fields.ForeignKeyField(
                        "qiyou.ExternalAccount",
                        source_field="account_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="send_as_codes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("address", fields.CharField(max_length=320)),
                ("code_hash", fields.CharField(max_length=64)),
                ("salt", fields.CharField(max_length=32)),
                ("attempts", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("used_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "send_as_code",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": (
                    "A confirmation code mailed to a send-as address, stored hashed with a salt."
                ),
            },
            bases=["Model"],
        ),
    ]
