from tortoise import migrations
from tortoise.migrations import operations as ops
from mailcore.core.models.delivery import BlockAction, ListKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0006_directory_index')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboundMessage',
            name='started_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboundMessage',
            name='delivered_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='OutboundMessage',
            name='remote_host',
            field=fields.CharField(default='', db_default='', max_length=255),
        ),
        ops.AddField(
            model_name='OutboundMessage',
            name='warned',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='OutboundMessage',
            name='bounced',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.CreateModel(
            name='SenderListEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='sender_lists', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='sender_lists', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='BLOCK: block\nALLOW: allow', enum_type=ListKind, max_length=8)),
                ('pattern', fields.CharField(max_length=320)),
                ('action', fields.CharEnumField(default=BlockAction.REFUSE, description='REFUSE: refuse\nSPAM: spam', enum_type=BlockAction, max_length=8)),
                ('note', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sender_list_entry', 'app': 'qiyou', 'indexes': [Index(fields=['enterprise_id', 'pattern'])], 'pk_attr': 'id', 'table_description': 'An external domain or address on an enterprise list (member null) or a member\'s list.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DomainTransfer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.OneToOneField('qiyou.Domain', source_field='domain_id', db_constraint=True, to_field='id', related_name='transfer', on_delete=OnDelete.CASCADE)),
                ('target', fields.ForeignKeyField('qiyou.Member', source_field='target_id', db_constraint=True, to_field='id', related_name='transfers', on_delete=OnDelete.CASCADE)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'domain_transfer', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'Mail to a non-existent address of ``domain`` goes to ``target`` instead of a 550.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpamSetting',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.OneToOneField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='spam_setting', on_delete=OnDelete.CASCADE)),
                ('enabled', fields.BooleanField(default=True)),
                ('threshold', fields.FloatField(default=5.0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'spam_setting', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'An enterprise\'s spam filtering: on or off, and the score from which mail is spam.'},
            bases=['Model'],
        ),
    ]
