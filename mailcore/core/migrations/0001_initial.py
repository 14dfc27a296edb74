from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mailcore.core.models.mail import FolderRole, OutboundStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Enterprise',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'enterprise', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Domain',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='domains', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(unique=True, max_length=253)),
                ('is_primary', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'domain', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('domain', fields.ForeignKeyField('qiyou.Domain', source_field='domain_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.RESTRICT)),
                ('email', fields.CharField(unique=True, max_length=320)),
                ('name', fields.CharField(default='', max_length=200)),
                ('password_hash', fields.CharField(max_length=200)),
                ('is_vip', fields.BooleanField(default=False)),
                ('quota_bytes', fields.BigIntField(default=0)),
                ('used_bytes', fields.BigIntField(default=0)),
                ('enabled', fields.BooleanField(default=True)),
                ('conversation_mode', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Alias',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='aliases', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(unique=True, max_length=320)),
            ],
            options={'table': 'alias', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuthSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('client', fields.CharField(default='', max_length=200)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked', fields.BooleanField(default=False)),
            ],
            options={'table': 'auth_session', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Folder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='folders', on_delete=OnDelete.CASCADE)),
                ('parent', fields.ForeignKeyField('qiyou.Folder', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('role', fields.CharEnumField(null=True, description='INBOX: inbox\nDRAFTS: drafts\nSENT: sent\nTRASH: trash\nSPAM: spam\nARCHIVE: archive', enum_type=FolderRole, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'folder', 'app': 'qiyou', 'unique_together': (('member', 'role'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sha256', fields.CharField(unique=True, max_length=64)),
                ('size', fields.IntField()),
                ('message_id', fields.CharField(null=True, db_index=True, max_length=998)),
                ('in_reply_to', fields.CharField(null=True, db_index=True, max_length=998)),
                ('references', fields.TextField(default='', unique=False)),
                ('subject', fields.TextField(default='', unique=False)),
                ('from_name', fields.CharField(default='', max_length=320)),
                ('from_address', fields.CharField(default='', max_length=320)),
                ('to_json', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('cc_json', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('date', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('has_attachments', fields.BooleanField(default=False)),
                ('preview', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'message', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'One stored message: the raw blob (by SHA-256) plus metadata parsed once at ingest.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Attachment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message', fields.ForeignKeyField('qiyou.Message', source_field='message_id', db_constraint=True, to_field='id', related_name='attachments', on_delete=OnDelete.CASCADE)),
                ('index', fields.IntField()),
                ('filename', fields.CharField(max_length=500)),
                ('content_type', fields.CharField(max_length=200)),
                ('size', fields.IntField()),
                ('content_id', fields.CharField(null=True, max_length=500)),
                ('inline', fields.BooleanField(default=False)),
            ],
            options={'table': 'attachment', 'app': 'qiyou', 'unique_together': (('message', 'index'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OutboundMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message', fields.ForeignKeyField('qiyou.Message', source_field='message_id', db_constraint=True, to_field='id', related_name='outbound', on_delete=OnDelete.RESTRICT)),
                ('sender', fields.ForeignKeyField('qiyou.Member', source_field='sender_id', null=True, db_constraint=True, to_field='id', related_name='outbound', on_delete=OnDelete.SET_NULL)),
                ('envelope_from', fields.CharField(max_length=320)),
                ('recipient', fields.CharField(max_length=320)),
                ('status', fields.CharEnumField(default=OutboundStatus.QUEUED, description='QUEUED: queued\nSENDING: sending\nSENT: sent\nFAILED: failed', enum_type=OutboundStatus, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'outbound_message', 'app': 'qiyou', 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'One external recipient of one message, waiting for remote delivery.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Thread',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='threads', on_delete=OnDelete.CASCADE)),
                ('subject_key', fields.CharField(default='', db_index=True, max_length=500)),
                ('subject', fields.TextField(default='', unique=False)),
                ('last_date', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'thread', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': "A conversation within one member's mailbox."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MailboxEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('message', fields.ForeignKeyField('qiyou.Message', source_field='message_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('folder', fields.ForeignKeyField('qiyou.Folder', source_field='folder_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('thread', fields.ForeignKeyField('qiyou.Thread', source_field='thread_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('seen', fields.BooleanField(default=False)),
                ('flagged', fields.BooleanField(default=False)),
                ('answered', fields.BooleanField(default=False)),
                ('draft', fields.BooleanField(default=False)),
                ('bcc_json', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('size', fields.IntField()),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mailbox_entry', 'app': 'qiyou', 'indexes': [Index(fields=['member_id', 'folder_id', 'received_at']), Index(fields=['member_id', 'thread_id'])], 'pk_attr': 'id', 'table_description': 'A message as one member has it: folder, flags and conversation.'},
            bases=['Model'],
        ),
    ]
