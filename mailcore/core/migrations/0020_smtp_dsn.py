"""SMTP DSN (RFC 3461): NOTIFY/RET/ENVID kept with outbound rows (issue 15)."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0019_app_passwords")]

    initial = False

    operations = []
