"""Branding models: per-domain login pages and the company signature template."""

from tortoise import fields
from tortoise.models import Model


class LoginBranding(Model):
    id = fields.IntField(primary_key=True)
    domain: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Domain", related_name="branding", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=100, default="")
    text = fields.TextField(default="")
    logo_url = fields.CharField(max_length=1000, default="")
    background_url = fields.CharField(max_length=1000, default="")
    primary_color = fields.CharField(max_length=7, default="#0052d9")
    background_color = fields.CharField(max_length=7, default="#f3f5f8")

    class Meta:
        table = "login_branding"


class SignatureTemplate(Model):
    id = fields.IntField(primary_key=True)
    enterprise: fields.OneToOneRelation = fields.OneToOneField(
        "qiyou.Enterprise", related_name="signature", on_delete=fields.CASCADE
    )
    html = fields.TextField(default="")
    enforced = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "signature_template"
