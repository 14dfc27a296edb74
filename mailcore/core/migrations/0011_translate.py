from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0010_search')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MessageTranslation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message', fields.ForeignKeyField('qiyou.Message', source_field='message_id', db_constraint=True, to_field='id', related_name='translations', on_delete=OnDelete.CASCADE)),
                ('target', fields.CharField(max_length=16)),
                ('model', fields.CharField(max_length=200)),
                ('source_language', fields.CharField(default='', max_length=16)),
                ('subject', fields.TextField(default='', unique=False)),
                ('text', fields.TextField(default='', unique=False)),
                ('seconds', fields.FloatField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'message_translation', 'app': 'qiyou', 'unique_together': (('message', 'target', 'model'),), 'pk_attr': 'id', 'table_description': 'A stored message translated by one model version into one language (cached).'},
            bases=['Model'],
        ),
    ]
