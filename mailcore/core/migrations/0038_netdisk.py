"""Netdisk (issue 20): spaces, folders and files, versions, the blob parts of contents,
permission grants, and tus upload sessions (mailcore/core/models/netdisk.py)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mailcore.core.models.netdisk import NetdiskRole, NodeKind, PrincipalKind, SpaceKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [("qiyou", "0037_migration_runs")]

    initial = False

    operations = [
        ops.CreateModel(
            name='Space',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('enterprise', fields.ForeignKeyField('qiyou.Enterprise', source_field='enterprise_id', db_constraint=True, to_field='id', related_name='netdisk_spaces', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='PERSONAL: personal\nCOMPANY: company\nDEPARTMENT: department\nPROJECT: project', enum_type=SpaceKind, max_length=16)),
                ('name', fields.CharField(max_length=255)),
                ('owner', fields.ForeignKeyField('qiyou.Member', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='netdisk_spaces', on_delete=OnDelete.CASCADE)),
                ('department', fields.ForeignKeyField('qiyou.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='netdisk_spaces', on_delete=OnDelete.SET_NULL)),
                ('quota_bytes', fields.BigIntField(default=0)),
                ('used_bytes', fields.BigIntField(default=0)),
                ('keep_versions', fields.IntField(default=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'netdisk_space', 'app': 'qiyou', 'unique_together': (('kind', 'owner'),), 'pk_attr': 'id', 'table_description': 'A tree of folders and files with its own quota (0: none) and version count.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NetdiskNode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('space', fields.ForeignKeyField('qiyou.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='nodes', on_delete=OnDelete.CASCADE)),
                ('parent', fields.ForeignKeyField('qiyou.NetdiskNode', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='FOLDER: folder\nFILE: file', enum_type=NodeKind, max_length=8)),
                ('name', fields.CharField(max_length=255)),
                ('name_key', fields.CharField(db_index=True, max_length=255)),
                ('size', fields.BigIntField(default=0)),
                ('content_type', fields.CharField(default='', max_length=127)),
                ('version', fields.IntField(default=0)),
                ('trashed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('trashed_root', fields.BooleanField(default=False)),
                ('created_by', fields.ForeignKeyField('qiyou.Member', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='netdisk_nodes', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'netdisk_node', 'app': 'qiyou', 'indexes': [Index(fields=['space_id', 'parent_id'])], 'pk_attr': 'id', 'table_description': 'A folder or a file. Names are NFC-normalised, and among the live children of a folder'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NetdiskGrant',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('space', fields.ForeignKeyField('qiyou.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('node', fields.ForeignKeyField('qiyou.NetdiskNode', source_field='node_id', null=True, db_constraint=True, to_field='id', related_name='grants', on_delete=OnDelete.CASCADE)),
                ('principal_kind', fields.CharEnumField(description='MEMBER: member\nDEPARTMENT: department\nGROUP: group', enum_type=PrincipalKind, max_length=16)),
                ('principal_id', fields.IntField()),
                ('role', fields.CharEnumField(description='VIEWER: viewer\nUPLOADER: uploader\nEDITOR: editor\nMANAGER: manager', enum_type=NetdiskRole, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'netdisk_grant', 'app': 'qiyou', 'unique_together': (('space', 'node', 'principal_kind', 'principal_id'),), 'pk_attr': 'id', 'table_description': 'A role on a space (``node`` null) or a folder and what is under it, for a member, a'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NetdiskUpload',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('member', fields.ForeignKeyField('qiyou.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='netdisk_uploads', on_delete=OnDelete.CASCADE)),
                ('length', fields.BigIntField()),
                ('offset', fields.BigIntField(default=0)),
                ('filename', fields.CharField(default='', max_length=255)),
                ('content_type', fields.CharField(default='', max_length=127)),
                ('metadata', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('space', fields.ForeignKeyField('qiyou.Space', source_field='space_id', db_constraint=True, to_field='id', related_name='uploads', on_delete=OnDelete.CASCADE)),
                ('folder', fields.ForeignKeyField('qiyou.NetdiskNode', source_field='folder_id', null=True, db_constraint=True, to_field='id', related_name='uploads_into', on_delete=OnDelete.SET_NULL)),
                ('file', fields.ForeignKeyField('qiyou.NetdiskNode', source_field='file_id', null=True, db_constraint=True, to_field='id', related_name='uploads_of', on_delete=OnDelete.SET_NULL)),
                ('result', fields.ForeignKeyField('qiyou.NetdiskNode', source_field='result_id', null=True, db_constraint=True, to_field='id', related_name='uploads_made', on_delete=OnDelete.SET_NULL)),
                ('error', fields.CharField(default='', max_length=500)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'netdisk_upload', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'A tus upload session (docs/netdisk.md): ``offset`` is the last acknowledged byte'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NetdiskVersion',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('node', fields.ForeignKeyField('qiyou.NetdiskNode', source_field='node_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('size', fields.BigIntField(default=0)),
                ('created_by', fields.ForeignKeyField('qiyou.Member', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='netdisk_versions', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'netdisk_version', 'app': 'qiyou', 'unique_together': (('node', 'number'),), 'pk_attr': 'id', 'table_description': 'One version of a file (the newest ``Space.keep_versions`` are kept).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NetdiskPart',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('upload', fields.ForeignKeyField('qiyou.NetdiskUpload', source_field='upload_id', null=True, db_constraint=True, to_field='id', related_name='parts', on_delete=OnDelete.CASCADE)),
                ('version', fields.ForeignKeyField('qiyou.NetdiskVersion', source_field='version_id', null=True, db_constraint=True, to_field='id', related_name='parts', on_delete=OnDelete.CASCADE)),
                ('start', fields.BigIntField()),
                ('size', fields.BigIntField()),
                ('sha256', fields.CharField(db_index=True, max_length=64)),
            ],
            options={'table': 'netdisk_part', 'app': 'qiyou', 'pk_attr': 'id', 'table_description': 'One blob of a content: of an upload while it runs, of a version afterwards.'},
            bases=['Model'],
        ),
    ]
