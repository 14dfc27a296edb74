from tortoise import migrations
from tortoise.migrations import operations as ops  # noqa: F401

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0013_miniprogram')]

    initial = False

    operations = []
