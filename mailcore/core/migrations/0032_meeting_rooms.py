"""Slot for meeting rooms and resources (issue 19, item 3); empty until that change needs a schema change."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0031_calendar_reminders")]

    initial = False

    operations: list = []
