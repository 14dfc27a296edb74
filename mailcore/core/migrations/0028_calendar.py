"""Calendar (issue 19): calendars, their shares and subscriptions, and events."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from mailcore.core.models.calendar import CalendarAccess, CalendarKind, EventPrivacy


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0027_inbox_lists")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Calendar",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "enterprise",
                    fields.ForeignKeyField(
                        "qiyou.Enterprise",
                        source_field="enterprise_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="calendars",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "owner",
                    fields.ForeignKeyField(
                        "qiyou.Member",
                        source_field="owner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="calendars",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "kind",
                    fields.CharEnumField(
                        default=CalendarKind.PERSONAL,
                        description="PERSONAL: personal\nCOMPANY: company",
                        enum_type=CalendarKind,
                        max_length=16,
                    ),
                ),
                ("name", fields.CharField(max_length=200)),
                ("color", fields.CharField(default="#1677ff", max_length=16)),
                ("description", fields.TextField(default="", unique=False)),
                ("time_zone", fields.CharField(default="Asia/Shanghai", max_length=64)),
                ("default_of", fields.IntField(null=True, unique=True)),
                ("version", fields.BigIntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "calendar",
                "app": "qiyou",
                "indexes": [Index(fields=["owner_id"]), Index(fields=["enterprise_id", "kind"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CalendarEvent",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "calendar",
                    fields.ForeignKeyField(
                        "qiyou.Calendar",
                        source_field="calendar_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="events",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("uid", fields.CharField(max_length=255)),
                ("ical", fields.TextField(unique=False)),
                ("summary", fields.TextField(default="", unique=False)),
                ("start_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("until_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("all_day", fields.BooleanField(default=False)),
                ("recurring", fields.BooleanField(default=False)),
                (
                    "privacy",
                    fields.CharEnumField(
                        default=EventPrivacy.PUBLIC,
                        description="PUBLIC: public\nPRIVATE: private",
                        enum_type=EventPrivacy,
                        max_length=16,
                    ),
                ),
                ("sequence", fields.IntField(default=0)),
                ("etag", fields.CharField(max_length=64)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "qiyou.Member",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="created_events",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "calendar_event",
                "app": "qiyou",
                "unique_together": (("calendar", "uid"),),
                "indexes": [Index(fields=["calendar_id", "start_at"])],
                "pk_attr": "id",
                "table_description": (
                    "One event (a series with its changed occurrences) as one iCalendar object."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CalendarShare",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "calendar",
                    fields.ForeignKeyField(
                        "qiyou.Calendar",
                        source_field="calendar_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="shares",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "qiyou.Member",
                        source_field="member_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="calendar_shares",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "department",
                    fields.ForeignKeyField(
                        "qiyou.Department",
                        source_field="department_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="calendar_shares",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "access",
                    fields.CharEnumField(
                        default=CalendarAccess.READ,
                        description="FREEBUSY: freebusy\nREAD: read\nEDIT: edit",
                        enum_type=CalendarAccess,
                        max_length=16,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "calendar_share",
                "app": "qiyou",
                "indexes": [
                    Index(fields=["calendar_id"]),
                    Index(fields=["member_id"]),
                    Index(fields=["department_id"]),
                ],
                "pk_attr": "id",
                "table_description": (
                    "A calendar shared with a member or a department (and its sub-departments)."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="CalendarSubscription",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "calendar",
                    fields.ForeignKeyField(
                        "qiyou.Calendar",
                        source_field="calendar_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "qiyou.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="calendar_subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("color", fields.CharField(default="", max_length=16)),
            ],
            options={
                "table": "calendar_subscription",
                "app": "qiyou",
                "unique_together": (("member", "calendar"),),
                "pk_attr": "id",
                "table_description": (
                    "A calendar that is not the member's own, shown in their list."
                ),
            },
            bases=["Model"],
        ),
    ]
