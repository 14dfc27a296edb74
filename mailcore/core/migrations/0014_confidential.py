from tortoise import migrations
from tortoise.migrations import operations as ops
from mailcore.core.models.confidential import CodeChannel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

CHANNELS = 'SMS: sms\nWECHAT: wechat\nEMAIL: email'


class Migration(migrations.Migration):
    dependencies = [('qiyou', '0013_miniprogram')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ConfidentialMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message', fields.OneToOneField('qiyou.Message', source_field='message_id', db_constraint=True, to_field='id', related_name='confidential', on_delete=OnDelete.CASCADE)),
                ('sender', fields.ForeignKeyField('qiyou.Member', source_field='sender_id', null=True, db_constraint=True, to_field='id', related_name='confidential_sent', on_delete=OnDelete.SET_NULL)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='confidential_messages', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'confidential_message', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A stored message its sender marked confidential (recipients must verify to read it).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConfidentialLink',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('confidential', fields.ForeignKeyField('qiyou.ConfidentialMessage', source_field='confidential_id', db_constraint=True, to_field='id', related_name='links', on_delete=OnDelete.CASCADE)),
                ('address', fields.CharField(max_length=320)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'confidential_link', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'The verification page link mailed to one external recipient (only its hash is kept).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConfidentialCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('confidential', fields.ForeignKeyField('qiyou.ConfidentialMessage', source_field='confidential_id', db_constraint=True, to_field='id', related_name='codes', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='confidential_codes', on_delete=OnDelete.CASCADE)),
                ('link', fields.ForeignKeyField('qiyou.ConfidentialLink', source_field='link_id', null=True, db_constraint=True, to_field='id', related_name='codes', on_delete=OnDelete.CASCADE)),
                ('channel', fields.CharEnumField(description=CHANNELS, enum_type=CodeChannel, max_length=16)),
                ('code_hash', fields.CharField(max_length=64)),
                ('salt', fields.CharField(max_length=32)),
                ('attempts', fields.IntField(default=0)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'confidential_code', 'app': 'qiyou', 'indexes': [Index(fields=['confidential_id', 'member_id'])], 'pk_attr': 'id', 'table_description': 'A one-time code sent to an internal recipient (SMS, WeChat) or an external one (email).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ConfidentialRead',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('confidential', fields.ForeignKeyField('qiyou.ConfidentialMessage', source_field='confidential_id', db_constraint=True, to_field='id', related_name='reads', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='confidential_reads', on_delete=OnDelete.SET_NULL)),
                ('link', fields.ForeignKeyField('qiyou.ConfidentialLink', source_field='link_id', null=True, db_constraint=True, to_field='id', related_name='reads', on_delete=OnDelete.CASCADE)),
                ('address', fields.CharField(max_length=320)),
                ('session_id', fields.IntField(null=True)),
                ('view_hash', fields.CharField(null=True, max_length=64)),
                ('channel', fields.CharEnumField(description=CHANNELS, enum_type=CodeChannel, max_length=16)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'confidential_read', 'app': 'qiyou', 'indexes': [Index(fields=['confidential_id', 'member_id', 'session_id'])], 'pk_attr': 'id', 'table_description': 'One verified opening: who, when, how, from where, and until when it may be viewed.'},
            bases=['Model'],
        ),
    ]
