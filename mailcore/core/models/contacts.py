"""Personal contacts (issue 19, item 5): a member's own address book, each contact a vCard
kept as written (unknown properties round-trip) with the columns search and lists read."""

from tortoise import fields
from tortoise.models import Model


class PersonalContact(Model):
    """One vCard of the address book of a member, and the columns read from it.

    ``resource`` is its name over CardDAV (``<uid>.vcf`` for contacts made in the apps);
    ``etag`` a hash of ``vcard``. The other columns are read from the card each time it is
    stored."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="personal_contacts", on_delete=fields.CASCADE
    )
    uid = fields.CharField(max_length=255)
    resource = fields.CharField(max_length=255)
    vcard = fields.TextField()
    etag = fields.CharField(max_length=64)
    name = fields.CharField(max_length=255)  # FN, else N, ORG or the first address
    search_key = fields.CharField(max_length=1024)  # pinyin first: the list's order
    emails = fields.JSONField(default=list)
    phones = fields.JSONField(default=list)
    organization = fields.CharField(max_length=255, default="")
    title = fields.CharField(max_length=255, default="")
    notes = fields.TextField(default="")
    birthday = fields.CharField(max_length=16, default="")  # YYYY-MM-DD or --MM-DD
    categories = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "personal_contact"
        unique_together = (("member", "uid"), ("member", "resource"))
        indexes = (("member_id", "search_key", "id"),)


class ContactSnapshot(Model):
    """The cards of an address book (resource name and etag) when a sync token was given.

    A CardDAV sync token (RFC 6578) names one, as ``DavSnapshot`` does for a calendar."""

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "qiyou.Member", related_name="contact_snapshots", on_delete=fields.CASCADE
    )
    digest = fields.CharField(max_length=64)
    entries = fields.TextField()  # JSON {resource: etag}
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contact_snapshot"
        unique_together = (("member", "digest"),)
