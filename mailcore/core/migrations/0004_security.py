from tortoise import migrations
from tortoise.migrations import operations as ops
from mailcore.core.models.security import ClientKind, SecondFactorMethod
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0003_directory')]

    initial = False

    operations = [
        ops.CreateModel(
            name='TotpState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.OneToOneField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='totp_state', on_delete=OnDelete.CASCADE)),
                ('pending_secret', fields.CharField(default='', max_length=64)),
                ('last_step', fields.BigIntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'totp_state', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A member TOTP enrolment: the secret awaiting confirmation, and the last time step used.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AuthSession',
            name='kind',
            field=fields.CharEnumField(default=ClientKind.WEB, description='WEB: web\nMINIPROGRAM: miniprogram\nSMTP: smtp\nIMAP: imap\nPOP3: pop3\nAPI: api', db_default='web', enum_type=ClientKind, max_length=16),
        ),
        ops.AlterModelOptions(
            name='QrTicket',
            options={'table': 'qr_ticket', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A pending secure login (a password was right, a second factor is awaited).'},
        ),
        ops.AddField(
            model_name='QrTicket',
            name='attempts',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='QrTicket',
            name='kind',
            field=fields.CharEnumField(default=ClientKind.WEB, description='WEB: web\nMINIPROGRAM: miniprogram\nSMTP: smtp\nIMAP: imap\nPOP3: pop3\nAPI: api', db_default='web', enum_type=ClientKind, max_length=16),
        ),
        ops.AddField(
            model_name='QrTicket',
            name='method',
            field=fields.CharEnumField(default=SecondFactorMethod.WECHAT_QR, description='WECHAT_QR: wechat_qr\nTOTP: totp', db_default='wechat_qr', enum_type=SecondFactorMethod, max_length=16),
        ),
    ]
