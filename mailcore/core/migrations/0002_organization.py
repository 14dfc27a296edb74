from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mailcore.core.models.directory import PostingPermission
from mailcore.core.models.openapi import AppKind
from mailcore.core.models.security import ClientKind, QrTicketStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AdminRole',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='admins', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='admin_roles', on_delete=OnDelete.CASCADE)),
                ('is_super', fields.BooleanField(default=False)),
                ('permissions', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('department_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'admin_role', 'app': 'qiyou', 'unique_together': (('enterprise', 'member'),), 'pk_attr': 'id', 'table_description': 'A member administrator role in their enterprise.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Department',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='departments', on_delete=OnDelete.CASCADE)),
                ('parent', fields.ForeignKeyField('qiyou.Department', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.RESTRICT)),
                ('name', fields.CharField(max_length=64)),
                ('order', fields.IntField(default=0)),
                ('hidden', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'department', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A node of the department tree of an enterprise, which has one root.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DepartmentMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('department', fields.ForeignKeyField('qiyou.Department', source_field='department_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.RESTRICT)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'department_member', 'app': 'qiyou', 'unique_together': (('department', 'member'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IpRule',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='ip_rules', on_delete=OnDelete.CASCADE)),
                ('department', fields.ForeignKeyField('qiyou.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='ip_rules', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='ip_rules', on_delete=OnDelete.CASCADE)),
                ('cidr', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'ip_rule', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'An allowed network (CIDR) for the enterprise, a department or one member.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginBranding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.OneToOneField('qiyou.Domain', source_field='domain_id', db_constraint=True, to_field='id', related_name='branding', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(default='', max_length=100)),
                ('text', fields.TextField(default='', unique=False)),
                ('logo_url', fields.CharField(default='', max_length=1000)),
                ('background_url', fields.CharField(default='', max_length=1000)),
                ('primary_color', fields.CharField(default='#0052d9', max_length=7)),
                ('background_color', fields.CharField(default='#f3f5f8', max_length=7)),
            ],
            options={'table': 'login_branding', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', null=True, db_constraint=True, to_field='id', related_name='logins', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='logins', on_delete=OnDelete.CASCADE)),
                ('login', fields.CharField(max_length=320)),
                ('client', fields.CharEnumField(description='WEB: web\nMINIPROGRAM: miniprogram\nSMTP: smtp\nIMAP: imap\nPOP3: pop3\nAPI: api', enum_type=ClientKind, max_length=16)),
                ('user_agent', fields.CharField(default='', max_length=200)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('success', fields.BooleanField()),
                ('reason', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'login_event', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'One login attempt (successful or not), for self-service and admin logs.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginThrottle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=400)),
                ('failures', fields.IntField(default=0)),
                ('window_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('locked_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_throttle', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'Failed-login counter per key (account, or account+IP) with a lockout time.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MailGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='groups', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(unique=True, max_length=320)),
                ('name', fields.CharField(max_length=64)),
                ('permission', fields.IntEnumField(default=PostingPermission.COMPANY, description='COMPANY: 0\nANYONE: 1\nGROUP_MEMBERS: 2\nLISTED: 3', enum_type=PostingPermission, generated=False)),
                ('allowed_senders', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mail_group', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'An enterprise mail group with its own address in a hosted domain.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GroupEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('qiyou.MailGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='group_entries', on_delete=OnDelete.CASCADE)),
                ('department', fields.ForeignKeyField('qiyou.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='group_entries', on_delete=OnDelete.CASCADE)),
                ('subgroup', fields.ForeignKeyField('qiyou.MailGroup', source_field='subgroup_id', null=True, db_constraint=True, to_field='id', related_name='parent_entries', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'group_entry', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'One element of a group: a member, a department (with sub-departments) or a group.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Notice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('qiyou.Member', source_field='author_id', null=True, db_constraint=True, to_field='id', related_name='notices', on_delete=OnDelete.SET_NULL)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('department_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('by_mail', fields.BooleanField(default=False)),
                ('recipients', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'notice', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NoticeReceipt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('notice', fields.ForeignKeyField('qiyou.Notice', source_field='notice_id', db_constraint=True, to_field='id', related_name='receipts', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='notice_receipts', on_delete=OnDelete.CASCADE)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notice_receipt', 'app': 'qiyou', 'unique_together': (('notice', 'member'),), 'indexes': [Index(fields=['member_id', 'read_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OpenApp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='apps', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='DIRECTORY: directory\nSSO: sso\nNEWMAIL: newmail\nSETTINGS: settings\nLOGS: logs', enum_type=AppKind, max_length=16)),
                ('corpid', fields.CharField(unique=True, max_length=64)),
                ('secret_hash', fields.CharField(max_length=200)),
                ('webhook_url', fields.CharField(default='', max_length=1000)),
                ('webhook_secret', fields.CharField(default='', max_length=128)),
                ('enabled', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'open_app', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AppToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app', fields.ForeignKeyField('qiyou.OpenApp', source_field='app_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'app_token', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OperationLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='operations', on_delete=OnDelete.CASCADE)),
                ('actor_member', fields.ForeignKeyField('qiyou.Member', source_field='actor_member_id', null=True, db_constraint=True, to_field='id', related_name='operations', on_delete=OnDelete.SET_NULL)),
                ('actor', fields.CharField(max_length=320)),
                ('action', fields.CharField(db_index=True, max_length=64)),
                ('target', fields.CharField(default='', max_length=320)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'operation_log', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'Every administrative change (and admin read of sensitive data), for audit.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PersonalGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='personal_groups', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('addresses', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'personal_group', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A member own address list for quick addressing.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QrTicket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.CharField(unique=True, max_length=64)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='qr_tickets', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=QrTicketStatus.PENDING, description='PENDING: pending\nSCANNED: scanned\nAPPROVED: approved\nDENIED: denied\nEXPIRED: expired', enum_type=QrTicketStatus, max_length=16)),
                ('client', fields.CharField(default='', max_length=200)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'qr_ticket', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A pending secure login: the browser shows it as a QR code, the mini-program confirms.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SignatureTemplate',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.OneToOneField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='signature', on_delete=OnDelete.CASCADE)),
                ('html', fields.TextField(default='', unique=False)),
                ('enforced', fields.BooleanField(default=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'signature_template', 'app': 'qiyou', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SsoTicket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.CharField(unique=True, max_length=64)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='sso_tickets', on_delete=OnDelete.CASCADE)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used', fields.BooleanField(default=False)),
            ],
            options={'table': 'sso_ticket', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A one-time single sign-on URL ticket (valid 300 s).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app', fields.ForeignKeyField('qiyou.OpenApp', source_field='app_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'webhook_delivery', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'One webhook call to make (new-mail notification), retried with backoff.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatBinding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='wechat', on_delete=OnDelete.CASCADE)),
                ('openid', fields.CharField(unique=True, max_length=128)),
                ('unionid', fields.CharField(null=True, max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'wechat_binding', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A member WeChat identity (openid from the mini-program code-to-session).'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Domain',
            name='dkim_private_key',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Domain',
            name='dkim_public_key',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Domain',
            name='dkim_selector',
            field=fields.CharField(default='qiyou', db_default='qiyou', max_length=63),
        ),
        ops.AddField(
            model_name='Domain',
            name='dns_status',
            field=fields.JSONField(default=dict, db_default='{}', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Domain',
            name='is_alias',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Domain',
            name='verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='members_post_notices',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Enterprise',
            name='secure_login',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Member',
            name='deleted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Member',
            name='extid',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='Member',
            name='gender',
            field=fields.SmallIntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='Member',
            name='hidden',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Member',
            name='imap_enabled',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='Member',
            name='mobile',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
        ops.AddField(
            model_name='Member',
            name='must_change_password',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Member',
            name='pop_enabled',
            field=fields.BooleanField(default=True, db_default=True),
        ),
        ops.AddField(
            model_name='Member',
            name='position',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='Member',
            name='secure_login',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Member',
            name='tel',
            field=fields.CharField(default='', db_default='', max_length=32),
        ),
        ops.AddField(
            model_name='Member',
            name='totp_secret',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
    ]
