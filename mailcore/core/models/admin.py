"""Administration models: tiered administrators and the operation log."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class AdminPermission(StrEnum):
    """What a scoped administrator may manage (a super admin may do everything)."""

    MEMBERS = "members"
    DEPARTMENTS = "departments"
    GROUPS = "groups"
    DOMAINS = "domains"
    SECURITY = "security"
    LOGS = "logs"
    NOTICES = "notices"
    POLICIES = "policies"
    BRANDING = "branding"
    OPENAPI = "openapi"
    ARCHIVE = "archive"  # the mail archive: settings and auditors
    CALENDAR = "calendar"  # meeting rooms and resources


class AdminRole(Model):
    """A member administrator role in their enterprise."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="admins", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="admin_roles", on_delete=fields.CASCADE
    )
    is_super = fields.BooleanField(default=False)
    permissions = fields.JSONField(default=list)  # AdminPermission values
    department_ids = fields.JSONField(default=list)  # scope; each includes its sub-departments
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "admin_role"
        unique_together = (("enterprise", "member"),)


class OperationLog(Model):
    """Every administrative change (and admin read of sensitive data), for audit."""

    id = fields.BigIntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="operations", on_delete=fields.CASCADE
    )
    actor_member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="operations", null=True, on_delete=fields.SET_NULL
    )
    actor = fields.CharField(max_length=320)  # address of the admin, or "app:<corpid>", or "cli"
    action = fields.CharField(max_length=64, db_index=True)
    target = fields.CharField(max_length=320, default="")
    detail = fields.JSONField(default=dict)
    ip = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "operation_log"
