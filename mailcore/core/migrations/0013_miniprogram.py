from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('qiyou', '0012_web')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WechatBindTicket',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket_hash', fields.CharField(unique=True, max_length=64)),
                ('openid', fields.CharField(max_length=128)),
                ('unionid', fields.CharField(null=True, max_length=128)),
                ('attempts', fields.IntField(default=0)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'wechat_bind_ticket', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A WeChat identity waiting for its member to confirm with a password.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatSubscription',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='wechat_subscriptions', on_delete=OnDelete.CASCADE)),
                ('template_id', fields.CharField(max_length=128)),
                ('credits', fields.IntField(default=0)),
                ('sent', fields.IntField(default=0)),
                ('last_sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wechat_subscription', 'app': 'qiyou', 'unique_together': (('member', 'template_id'),), 'pk_attr': 'id', 'table_description': 'Subscribe messages a member accepted in the mini-program (one message per acceptance).'},
            bases=['Model'],
        ),
    ]
