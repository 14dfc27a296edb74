"""A member's own mail signature (the company template is ``branding.SignatureTemplate``)."""

from tortoise import fields
from tortoise.models import Model


class MemberSignature(Model):
    """The signature a member set for themselves (sanitized HTML, may be empty for none)."""

    id = fields.IntField(primary_key=True)
    member: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Member", related_name="own_signature", on_delete=fields.CASCADE
    )
    html = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "member_signature"
