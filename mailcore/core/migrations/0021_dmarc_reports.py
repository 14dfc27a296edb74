"""DMARC aggregate reports received for hosted domains (issue 15)."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0020_smtp_dsn")]

    initial = False

    operations = []
