"""The WeChat server access token, one for every node (fetching a new one spoils the old)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class WechatAccessToken(Model):
    """The current ``cgi-bin/token`` access token of one AppID (at one API base URL)."""

    id = fields.IntField(primary_key=True)
    app = fields.CharField(max_length=64, unique=True, description="hash of API URL and AppID")
    token = fields.CharField(max_length=512)
    expires_at = fields.DatetimeField()
    fetched_at = fields.DatetimeField()

    class Meta:
        table = "wechat_access_token"
        table_description = "The WeChat access token every node uses (mailcore/wechat/client.py)."
