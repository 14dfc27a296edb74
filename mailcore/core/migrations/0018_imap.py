"""IMAP: per-folder UIDs, UIDVALIDITY/UIDNEXT, modification sequences, more flags (issue 15).

Existing entries get UIDs and modification sequences in the order they were stored, one
counter per member (``ROW_NUMBER`` over the member's entries); each folder's ``uid_next``
follows its highest UID and each member's ``modseq`` its highest value. Change-log rows
written before have modseq 0 (history before IMAP; no client has seen a value yet); each
existing entry gets an ``added`` row with its value, so a folder's HIGHESTMODSEQ (the
highest value of its log) covers the mail already there.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


def _add(model: str, name: str, field: fields.Field) -> ops.AddField:
    return ops.AddField(model_name=model, name=name, field=field)


class Migration(migrations.Migration):
    dependencies = [("qiyou", "0017_outbox")]

    initial = False

    operations = [
        _add("Folder", "uid_next", fields.BigIntField(default=1, db_default=1)),
        _add("Folder", "subscribed", fields.BooleanField(default=True, db_default=True)),
        _add("Member", "modseq", fields.BigIntField(default=0, db_default=0)),
        _add("MailboxEntry", "uid", fields.BigIntField(default=0, db_default=0)),
        _add("MailboxEntry", "modseq", fields.BigIntField(default=0, db_default=0)),
        _add("MailboxEntry", "deleted", fields.BooleanField(default=False, db_default=False)),
        _add("MailboxEntry", "keywords", fields.TextField(default="", db_default="", unique=False)),
        _add("MailboxChange", "modseq", fields.BigIntField(default=0, db_default=0)),
        _add("MailboxChange", "from_folder_id", fields.IntField(null=True)),
        _add("MailboxChange", "uid", fields.BigIntField(null=True)),
        ops.AddIndex(model_name="MailboxEntry", index=Index(fields=["folder_id", "uid"])),
        ops.AddIndex(model_name="MailboxChange", index=Index(fields=["member_id", "modseq"])),
        ops.RunSQL(
            'UPDATE "mailbox_entry" SET "uid" = r.n, "modseq" = r.n FROM (SELECT "id",'
            ' ROW_NUMBER() OVER (PARTITION BY "member_id" ORDER BY "id") AS n'
            ' FROM "mailbox_entry") AS r WHERE "mailbox_entry"."id" = r."id"'
        ),
        ops.RunSQL(
            'INSERT INTO "mailbox_change" ("member_id", "entry_id", "folder_id", "kind",'
            ' "created_at", "modseq", "from_folder_id", "uid") SELECT "member_id", "id",'
            ' "folder_id", \'added\', 0, "modseq", NULL, "uid" FROM "mailbox_entry"'
            ' ORDER BY "member_id", "modseq"'
        ),
        ops.RunSQL(
            'UPDATE "member" SET "modseq" = COALESCE((SELECT MAX(e."modseq")'
            ' FROM "mailbox_entry" e WHERE e."member_id" = "member"."id"), 0)'
        ),
        ops.RunSQL(
            'UPDATE "folder" SET "uid_next" = COALESCE((SELECT MAX(e."uid")'
            ' FROM "mailbox_entry" e WHERE e."folder_id" = "folder"."id"), 0) + 1'
        ),
    ]
