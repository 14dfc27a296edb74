"""Slot for shared rate limits and the WeChat access token (issue 16); empty until that change needs a schema change."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0024_download_tickets")]

    initial = False

    operations: list = []
