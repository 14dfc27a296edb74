"""IMAP: per-folder UIDs, UIDVALIDITY/UIDNEXT, modification sequences, more flags (issue 15)."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0017_outbox")]

    initial = False

    operations = []
