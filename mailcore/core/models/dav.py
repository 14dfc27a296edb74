"""CalDAV state (issue 19, item 5): what a calendar held when a sync token was handed out."""

from tortoise import fields
from tortoise.models import Model


class DavSnapshot(Model):
    """A calendar's resources (UID and stored etag of each event) at one moment, named by a
    sync token (RFC 6578): a later sync-collection reports what differs from it. Kept by
    content (``digest``), so clients that saw the same state share one row."""

    id = fields.BigIntField(primary_key=True)
    calendar: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Calendar", related_name="dav_snapshots", on_delete=fields.CASCADE
    )
    version = fields.BigIntField()  # the calendar's version when it was read
    digest = fields.CharField(max_length=64)
    entries = fields.TextField()  # JSON {uid: etag}
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dav_snapshot"
        unique_together = (("calendar", "digest"),)
        indexes = (("calendar_id", "version"),)
