"""Personal contacts (issue 19, item 5): a member's vCards and their CardDAV sync snapshots."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


def _pk() -> fields.Field:
    return fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)


def _member(related: str) -> fields.Field:
    return fields.ForeignKeyField(
        "qiyou.Member",
        source_field="member_id",
        db_constraint=True,
        to_field="id",
        related_name=related,
        on_delete=OnDelete.CASCADE,
    )


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0040_migration_bad_input")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ContactSnapshot",
            fields=[
                ("id", _pk()),
                ("member", _member("contact_snapshots")),
                ("digest", fields.CharField(max_length=64)),
                ("entries", fields.TextField(unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "contact_snapshot",
                "app": "qiyou",
                "unique_together": (("member", "digest"),),
                "pk_attr": "id",
                "table_description": (
                    "The cards of an address book (resource name and etag) when a sync token "
                    "was given."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PersonalContact",
            fields=[
                ("id", _pk()),
                ("member", _member("personal_contacts")),
                ("uid", fields.CharField(max_length=255)),
                ("resource", fields.CharField(max_length=255)),
                ("vcard", fields.TextField(unique=False)),
                ("etag", fields.CharField(max_length=64)),
                ("name", fields.CharField(max_length=255)),
                ("search_key", fields.CharField(max_length=1024)),
                ("emails", fields.JSONField(default=list)),
                ("phones", fields.JSONField(default=list)),
                ("organization", fields.CharField(default="", max_length=255)),
                ("title", fields.CharField(default="", max_length=255)),
                ("notes", fields.TextField(default="", unique=False)),
                ("birthday", fields.CharField(default="", max_length=16)),
                ("categories", fields.JSONField(default=list)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "personal_contact",
                "app": "qiyou",
                "unique_together": (("member", "uid"), ("member", "resource")),
                "indexes": [Index(fields=["member_id", "search_key", "id"])],
                "pk_attr": "id",
                "table_description": (
                    "One vCard of the address book of a member, and the columns read from it."
                ),
            },
            bases=["Model"],
        ),
    ]
