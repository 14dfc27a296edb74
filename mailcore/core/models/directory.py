"""Directory models: the department tree, department membership, mail groups, personal groups."""

from enum import IntEnum

from tortoise import fields
from tortoise.models import Model


class Department(Model):
    """A node of the department tree of an enterprise, which has one root."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="departments", on_delete=fields.CASCADE
    )
    parent: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Department", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=64)
    order = fields.IntField(default=0)
    hidden = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "department"


class DepartmentMember(Model):
    id = fields.IntField(primary_key=True)
    department: fields.ForeignKeyRelation[Department] = fields.ForeignKeyField(
        "qiyou.Department", related_name="memberships", on_delete=fields.RESTRICT
    )
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="memberships", on_delete=fields.CASCADE
    )

    class Meta:
        table = "department_member"
        unique_together = (("department", "member"),)
        indexes = (("member_id",),)  # a member's departments (the unique index leads by department)


class PostingPermission(IntEnum):
    """Who may send to an enterprise group (the product's allow_type 0–3)."""

    COMPANY = 0  # members of the enterprise
    ANYONE = 1
    GROUP_MEMBERS = 2
    LISTED = 3  # the listed senders only


class MailGroup(Model):
    """An enterprise mail group with its own address in a hosted domain."""

    id = fields.IntField(primary_key=True)
    enterprise: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Enterprise", related_name="groups", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=320, unique=True)
    name = fields.CharField(max_length=64)
    permission = fields.IntEnumField(PostingPermission, default=PostingPermission.COMPANY)
    allowed_senders = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mail_group"


class GroupEntry(Model):
    """One element of a group: a member, a department (with sub-departments) or a group."""

    id = fields.IntField(primary_key=True)
    group: fields.ForeignKeyRelation[MailGroup] = fields.ForeignKeyField(
        "qiyou.MailGroup", related_name="entries", on_delete=fields.CASCADE
    )
    member: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="group_entries", null=True, on_delete=fields.CASCADE
    )
    department: fields.ForeignKeyNullableRelation[Department] = fields.ForeignKeyField(
        "qiyou.Department", related_name="group_entries", null=True, on_delete=fields.CASCADE
    )
    subgroup: fields.ForeignKeyNullableRelation[MailGroup] = fields.ForeignKeyField(
        "qiyou.MailGroup", related_name="parent_entries", null=True, on_delete=fields.CASCADE
    )

    class Meta:
        table = "group_entry"


class PersonalGroup(Model):
    """A member own address list for quick addressing."""

    id = fields.IntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="personal_groups", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    addresses = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "personal_group"
