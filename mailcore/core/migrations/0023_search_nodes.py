"""Slot for search: one index state and cursor per node, the shared search feed (issue 16); empty until that change needs a schema change."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0022_receipts")]

    initial = False

    operations: list = []
