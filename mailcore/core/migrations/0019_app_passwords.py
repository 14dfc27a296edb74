"""Client-specific passwords (app passwords) for IMAP, POP3 and SMTP (issue 15), and the
enterprise setting that makes mail clients use them even without secure login."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from mailcore.core.models.security import ClientKind


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0018_imap")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AppPassword",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "qiyou.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="app_passwords",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
                ("lookup", fields.CharField(max_length=8)),
                ("secret_hash", fields.CharField(max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_used_ip", fields.CharField(default="", max_length=64)),
                (
                    "last_used_client",
                    fields.CharEnumField(
                        description="WEB: web\nMINIPROGRAM: miniprogram\nSMTP: smtp\nIMAP: imap\n"
                        "POP3: pop3\nAPI: api",
                        enum_type=ClientKind,
                        max_length=16,
                        null=True,
                    ),
                ),
            ],
            options={
                "table": "app_password",
                "app": "qiyou",
                "indexes": [Index(fields=["member_id", "lookup"])],
                "pk_attr": "id",
                "table_description": "A client-specific password (app password) a member made"
                " for one mail client.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Enterprise",
            name="app_passwords_required",
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
