"""Slot for CalDAV/CardDAV state (issue 19, item 5); empty until that change needs a schema change."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0033_external_accounts")]

    initial = False

    operations: list = []
