"""Read receipts (MDN, RFC 8098) asked and received (issue 15)."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0021_dmarc_reports")]

    initial = False

    operations = []
