from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0002_organization')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Member',
            name='search_key',
            field=fields.CharField(default='', db_default='', max_length=1024),
        ),
    ]
