"""Signed download tickets (issue 16): the HMAC keys, shared by every node on one database."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0023_search_nodes")]

    initial = False

    operations = [
        ops.CreateModel(
            name="TicketKey",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("secret", fields.CharField(description="32 random bytes, hex", max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "download_ticket_key",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": "Keys that sign download tickets (the newest signs).",
            },
            bases=["Model"],
        ),
    ]
