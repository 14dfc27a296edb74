"""Issue 19 (invitations): a meeting's copies in its attendees' calendars, found by UID."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0028_calendar")]

    initial = False

    operations = [
        ops.AddIndex(model_name="CalendarEvent", index=Index(fields=["uid"])),
    ]
