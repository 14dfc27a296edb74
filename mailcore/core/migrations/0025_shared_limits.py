"""Shared limits (issue 16): the WeChat access token, one row per AppID for every node."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0024_download_tickets")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WechatAccessToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "app",
                    fields.CharField(
                        description="hash of API URL and AppID", max_length=64, unique=True
                    ),
                ),
                ("token", fields.CharField(max_length=512)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("fetched_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "wechat_access_token",
                "app": "qiyou",
                "pk_attr": "id",
                "table_description": (
                    "The WeChat access token every node uses (mailcore/wechat/client.py)."
                ),
            },
            bases=["Model"],
        ),
    ]
