"""Mail from outside claiming a domain hosted here: the enterprise's setting and the mark
left on a message delivered to Spam rather than refused."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class SpoofAction(StrEnum):
    REJECT = "reject"  # 550 at the end of DATA (DMARC p=reject semantics): the default
    SPAM = "spam"  # delivered to Spam, with a warning shown on the message


class SpoofSetting(Model):
    """What the MX does with unauthenticated mail claiming one of the enterprise's domains,
    and the partner servers (IPs/CIDRs) allowed to send as them without SPF or DKIM."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Enterprise", related_name="spoof_setting", on_delete=fields.CASCADE
    )
    action = fields.CharEnumField(SpoofAction, max_length=16, default=SpoofAction.REJECT)
    partners = fields.JSONField(default=list)  # ["192.0.2.0/24", "2001:db8::1", ...]
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "spoof_setting"


class SpoofMark(Model):
    """A message that came from outside claiming ``domain`` (hosted here) without passing
    SPF or DKIM for it; the apps show a warning on it."""

    id = fields.IntField(primary_key=True)
    message: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Message", related_name="spoof_mark", on_delete=fields.CASCADE
    )
    domain = fields.CharField(max_length=255)

    class Meta:
        table = "spoof_mark"
