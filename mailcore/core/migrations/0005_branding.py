from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0004_security')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MemberSignature',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.OneToOneField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='own_signature', on_delete=OnDelete.CASCADE)),
                ('html', fields.TextField(default='', unique=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'member_signature', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'The signature a member set for themselves (sanitized HTML, may be empty for none).'},
            bases=['Model'],
        ),
    ]
