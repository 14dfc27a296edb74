from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mailcore.core.models.approval import HeldStatus, RecipientScope, TimeoutAction
from mailcore.core.models.archive import ArchiveDirection, BackupDirection
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0008_policies')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApprovalRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='approval_rules', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('enabled', fields.BooleanField(default=True)),
                ('member_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('department_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('recipient_scope', fields.CharEnumField(description='ANY: any\nEXTERNAL: external\nDOMAINS: domains', enum_type=RecipientScope, max_length=16)),
                ('domains', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('keywords', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('min_size', fields.IntField(default=0)),
                ('with_attachments', fields.BooleanField(default=False)),
                ('approver_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('timeout_seconds', fields.IntField(default=86400)),
                ('timeout_action', fields.CharEnumField(description='APPROVE: approve\nREJECT: reject', enum_type=TimeoutAction, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'approval_rule', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'Outbound mail matching every condition set here waits for one of the approvers.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArchiveRecord',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='archive_records', on_delete=OnDelete.CASCADE)),
                ('sha256', fields.CharField(db_index=True, max_length=64)),
                ('size', fields.IntField()),
                ('direction', fields.CharEnumField(description='INBOUND: inbound\nINTERNAL: internal\nOUTBOUND: outbound', enum_type=ArchiveDirection, max_length=16)),
                ('envelope_from', fields.CharField(default='', max_length=320)),
                ('from_address', fields.CharField(default='', max_length=320)),
                ('from_name', fields.CharField(default='', max_length=320)),
                ('recipients', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('recipients_text', fields.TextField(default='', unique=False)),
                ('subject', fields.TextField(default='', unique=False)),
                ('message_id', fields.CharField(default='', max_length=998)),
                ('date', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attachment_names', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('attachments_text', fields.TextField(default='', unique=False)),
                ('body_text', fields.TextField(default='', unique=False)),
                ('archived_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'archive_record', 'app': 'qiyou', 'indexes': [Index(fields=['enterprise_id', 'archived_at'])], 'pk_attr': 'id', 'table_description': 'One message as it passed through one enterprise: written once, never changed.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArchiveParty',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('record', fields.ForeignKeyField('qiyou.ArchiveRecord', source_field='record_id', db_constraint=True, to_field='id', related_name='parties', on_delete=OnDelete.CASCADE)),
                ('member_id', fields.IntField(db_index=True)),
                ('address', fields.CharField(max_length=320)),
                ('sent', fields.BooleanField(default=False)),
            ],
            options={'table': 'archive_party', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': "A member of the record's enterprise who sent or received the message (auditor scope)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ArchiveSettings',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.OneToOneField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='archive_settings', on_delete=OnDelete.CASCADE)),
                ('enabled', fields.BooleanField(default=False)),
                ('retention_days', fields.IntField(default=3650)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'archive_settings', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'Whether an enterprise archives its mail, and for how long.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Auditor',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='auditors', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='auditor_roles', on_delete=OnDelete.CASCADE)),
                ('department_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('date_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('date_to', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('granted_by', fields.CharField(default='', max_length=320)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'auditor', 'app': 'qiyou', 'unique_together': (('enterprise', 'member'),), 'pk_attr': 'id', 'table_description': 'A member allowed to search the archive: the mail of members of some departments'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BackupCopy',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('qiyou.MailboxEntry', source_field='entry_id', db_constraint=True, to_field='id', related_name='backup_origin', on_delete=OnDelete.CASCADE)),
                ('rule_id', fields.IntField()),
                ('target_id', fields.IntField(db_index=True)),
                ('owners', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('direction', fields.CharField(max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'backup_copy', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': "Whose mail a backup account's mailbox entry is a copy of."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BackupRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='backup_rules', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('enabled', fields.BooleanField(default=True)),
                ('member_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('department_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('direction', fields.CharEnumField(default=BackupDirection.BOTH, description='IN: in\nOUT: out\nBOTH: both', enum_type=BackupDirection, max_length=8)),
                ('keywords', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('target', fields.ForeignKeyField('qiyou.Member', source_field='target_id', db_constraint=True, to_field='id', related_name='backup_targets', on_delete=OnDelete.CASCADE)),
                ('folder', fields.CharField(default='inbox', max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'backup_rule', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'Copy the matching mail of some members or departments to a backup account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HeldMail',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='held_mail', on_delete=OnDelete.CASCADE)),
                ('rule', fields.ForeignKeyField('qiyou.ApprovalRule', source_field='rule_id', null=True, db_constraint=True, to_field='id', related_name='held', on_delete=OnDelete.SET_NULL)),
                ('rule_name', fields.CharField(default='', max_length=64)),
                ('sender', fields.ForeignKeyField('qiyou.Member', source_field='sender_id', db_constraint=True, to_field='id', related_name='held_mail', on_delete=OnDelete.CASCADE)),
                ('sha256', fields.CharField(max_length=64)),
                ('envelope_from', fields.CharField(max_length=320)),
                ('local_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('local_addresses', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('external', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('subject', fields.TextField(default='', unique=False)),
                ('size', fields.IntField(default=0)),
                ('approver_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=HeldStatus.PENDING, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected', enum_type=HeldStatus, max_length=16)),
                ('timeout_action', fields.CharEnumField(description='APPROVE: approve\nREJECT: reject', enum_type=TimeoutAction, max_length=8)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('notified', fields.BooleanField(default=False)),
                ('decided_by', fields.CharField(default='', max_length=320)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reason', fields.TextField(default='', unique=False)),
                ('finished', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'held_mail', 'app': 'qiyou', 'indexes': [Index(fields=['status', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'A message held for approval: its blob, the recipients it was meant for, the outcome.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApprovalToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('held', fields.ForeignKeyField('qiyou.HeldMail', source_field='held_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('approver_id', fields.IntField()),
                ('action', fields.CharField(max_length=8)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'approval_token', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A one-time link to approve or reject one held message (stored as a hash).'},
            bases=['Model'],
        ),
    ]
