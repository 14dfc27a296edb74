from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mailcore.core.models.policy import CopyStatus, MassMailStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0007_delivery')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AutoReply',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.OneToOneField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='auto_reply', on_delete=OnDelete.CASCADE)),
                ('enabled', fields.BooleanField(default=False)),
                ('subject', fields.CharField(default='', max_length=500)),
                ('text', fields.TextField(default='', unique=False)),
                ('starts_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('interval_days', fields.IntField(default=4)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'auto_reply', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A member vacation auto-reply.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AutoReplySent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='auto_replies_sent', on_delete=OnDelete.CASCADE)),
                ('address', fields.CharField(max_length=320)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'auto_reply_sent', 'app': 'qiyou', 'unique_together': (('member', 'address'),), 'pk_attr': 'id', 'table_description': 'When a member auto-replied to one sender last.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Forwarding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.OneToOneField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='forwarding', on_delete=OnDelete.CASCADE)),
                ('enabled', fields.BooleanField(default=False)),
                ('addresses', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('keep_copy', fields.BooleanField(default=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'forwarding', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A member forwarding of all incoming mail.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MailFilter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='mail_filters', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(default='', max_length=200)),
                ('position', fields.IntField(default=0)),
                ('enabled', fields.BooleanField(default=True)),
                ('match_all', fields.BooleanField(default=True)),
                ('conditions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('actions', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('stop', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mail_filter', 'app': 'qiyou', 'indexes': [Index(fields=['member_id', 'position'])], 'pk_attr': 'id', 'table_description': 'A member filter: conditions (JSON) and actions (JSON), applied in ``position`` order.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MailPolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.OneToOneField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='mail_policy', on_delete=OnDelete.CASCADE)),
                ('recall_window_minutes', fields.IntField(default=1440)),
                ('recall_read', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'mail_policy', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'Enterprise-wide mail policy settings (one row per enterprise, defaults when absent).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MassMailJob',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='mass_mail_jobs', on_delete=OnDelete.CASCADE)),
                ('sent_entry_id', fields.IntField(null=True, db_index=True)),
                ('form', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=MassMailStatus.QUEUED, description='QUEUED: queued\nRUNNING: running\nDONE: done', enum_type=MassMailStatus, max_length=16)),
                ('total', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'mass_mail_job', 'app': 'qiyou', 'indexes': [Index(fields=['status'])], 'pk_attr': 'id', 'table_description': 'A separate-copies send: the form to build each copy from, and progress counters.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MassMailRecipient',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('job', fields.ForeignKeyField('qiyou.MassMailJob', source_field='job_id', db_constraint=True, to_field='id', related_name='recipients', on_delete=OnDelete.CASCADE)),
                ('address', fields.CharField(max_length=320)),
                ('status', fields.CharEnumField(default=CopyStatus.PENDING, description='PENDING: pending\nDELIVERED: delivered\nQUEUED: queued\nFAILED: failed', enum_type=CopyStatus, max_length=16)),
                ('error', fields.TextField(default='', unique=False)),
                ('message_pk', fields.IntField(null=True)),
            ],
            options={'table': 'mass_mail_recipient', 'app': 'qiyou', 'indexes': [Index(fields=['job_id', 'status'])], 'pk_attr': 'id', 'table_description': 'One recipient of a mass mail job and what became of its copy.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Recall',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='recalls', on_delete=OnDelete.CASCADE)),
                ('requested_by', fields.ForeignKeyField('qiyou.Member', source_field='requested_by_id', null=True, db_constraint=True, to_field='id', related_name='recalls', on_delete=OnDelete.SET_NULL)),
                ('by_admin', fields.BooleanField(default=False)),
                ('message_pk', fields.IntField(db_index=True)),
                ('sent_entry_id', fields.IntField(null=True, db_index=True)),
                ('message_id', fields.CharField(default='', max_length=998)),
                ('subject', fields.TextField(default='', unique=False)),
                ('results', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'recall', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'One recall of a sent message, with the result for each recipient (JSON list).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RuleSend',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='rule_sends', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('message_pk', fields.IntField()),
                ('addresses', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'rule_send', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A forward or auto-reply decided at ingest, stored with the mail, sent afterwards.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SendRestriction',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='send_restrictions', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='send_restrictions', on_delete=OnDelete.CASCADE)),
                ('department', fields.ForeignKeyField('qiyou.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='send_restrictions', on_delete=OnDelete.CASCADE)),
                ('created_by', fields.CharField(default='', max_length=320)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'send_restriction', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A member or a department (with its sub-departments) that may not send outside.'},
            bases=['Model'],
        ),
    ]
