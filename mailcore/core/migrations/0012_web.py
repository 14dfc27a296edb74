from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0011_translate')]

    initial = False

    operations = []
