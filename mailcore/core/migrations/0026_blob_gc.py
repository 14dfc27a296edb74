"""Slot for blob garbage collection (issue 16); empty until that change needs a schema change."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0025_shared_limits")]

    initial = False

    operations: list = []
