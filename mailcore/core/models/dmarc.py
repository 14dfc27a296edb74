"""DMARC aggregate reports (RFC 7489 7.2) that other mail systems sent about a hosted domain:
one row per report, one per source IP (``<record>``) in it."""

from tortoise import fields
from tortoise.models import Model


class DmarcReport(Model):
    """One aggregate report, for the enterprise owning the domain it is about."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="dmarc_reports", on_delete=fields.CASCADE
    )
    domain = fields.CharField(max_length=253)  # <policy_published><domain>, U-labels
    org_name = fields.CharField(max_length=200)  # the reporting organisation
    org_email = fields.CharField(max_length=320, default="")
    report_id = fields.CharField(max_length=200)
    date_begin = fields.DatetimeField()
    date_end = fields.DatetimeField()
    policy = fields.CharField(max_length=16, default="")  # the p= the reporter saw
    message_id = fields.IntField(null=True)  # the mail that brought it (``message`` row)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dmarc_report"
        unique_together = (("enterprise", "org_name", "report_id"),)


class DmarcRecord(Model):
    """What one source IP sent as the domain during the report's period."""

    id = fields.BigIntField(primary_key=True)
    report: fields.ForeignKeyRelation[DmarcReport] = fields.ForeignKeyField(
        "qiyou.DmarcReport", related_name="records", on_delete=fields.CASCADE
    )
    source_ip = fields.CharField(max_length=45)
    count = fields.IntField()
    disposition = fields.CharField(max_length=16)  # none, quarantine, reject
    dkim = fields.CharField(max_length=16)  # the DMARC-aligned DKIM result: pass, fail
    spf = fields.CharField(max_length=16)  # the DMARC-aligned SPF result
    header_from = fields.CharField(max_length=253)

    class Meta:
        table = "dmarc_record"
