from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0009_archive')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SearchState',
            fields=[
                ('space', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('indexed_upto', fields.BigIntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'search_state', 'app': 'qiyou', 'pk_attr': 'space', 'table_description': 'Indexing progress of one search space: every source row up to indexed_upto is indexed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SearchPending',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('space', fields.CharField(max_length=32)),
                ('doc_id', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'search_pending', 'app': 'qiyou', 'indexes': [Index(fields=['space', 'id'])], 'pk_attr': 'id', 'table_description': 'A document of a search space to bring up to date from the database (or remove).'},
            bases=['Model'],
        ),
    ]
