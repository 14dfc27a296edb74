"""Slot for external mailboxes fetched over IMAP/POP3 (issue 21, item 1); empty until that change needs a schema change."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0032_meeting_rooms")]

    initial = False

    operations: list = []
