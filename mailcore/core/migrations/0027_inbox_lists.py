"""Issue 18 (mail lists): a member's threads by latest activity, for ``conversations``, which
walks them newest first and keeps those with mail in the folder asked for."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0026_blob_gc")]

    initial = False

    operations = [
        ops.AddIndex(model_name="Thread", index=Index(fields=["member_id", "last_date", "id"])),
    ]
