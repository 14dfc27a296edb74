"""Slot for signed download tickets (issue 16); empty until that change needs a schema change."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0023_search_nodes")]

    initial = False

    operations: list = []
