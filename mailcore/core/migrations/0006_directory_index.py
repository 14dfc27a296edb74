from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0005_branding')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='DepartmentMember',
            index=Index(fields=['member_id']),
        ),
    ]
