"""DMARC aggregate reports received for hosted domains (issue 15): ``dmarc_report`` and its
rows per source IP, ``dmarc_record`` (``mailcore/core/models/dmarc.py``)."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0020_smtp_dsn")]

    initial = False

    operations = [
        ops.CreateModel(
            name="DmarcReport",
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
                        related_name="dmarc_reports",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("domain", fields.CharField(max_length=253)),
                ("org_name", fields.CharField(max_length=200)),
                ("org_email", fields.CharField(default="", max_length=320)),
                ("report_id", fields.CharField(max_length=200)),
                ("date_begin", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("date_end", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("policy", fields.CharField(default="", max_length=16)),
                ("message_id", fields.IntField(null=True)),
                ("received_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "dmarc_report",
                "app": "qiyou",
                "unique_together": (("enterprise", "org_name", "report_id"),),
                "pk_attr": "id",
                "table_description": (
                    "One aggregate report, for the enterprise owning the domain it is about."
                ),
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="DmarcRecord",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "report",
                    fields.ForeignKeyField(
                        "qiyou.DmarcReport",
                        source_field="report_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="records",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("source_ip", fields.CharField(max_length=45)),
                ("count", fields.IntField()),
                ("disposition", fields.CharField(max_length=16)),
                ("dkim", fields.CharField(max_length=16)),
                ("spf", fields.CharField(max_length=16)),
                ("header_from", fields.CharField(max_length=253)),
            ],
            options={
                "table": "dmarc_record",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": (
                    "What one source IP sent as the domain during the report's period."
                ),
            },
            bases=["Model"],
        ),
    ]
