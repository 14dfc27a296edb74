"""Client-specific passwords (app passwords) for IMAP, POP3 and SMTP (issue 15)."""

from tortoise import migrations


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0018_imap")]

    initial = False

    operations = []
